package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
)

// downloadHosts are the host-name suffixes of Microsoft's pre-authenticated
// download URLs per cloud (https only, default port): SharePoint and
// OneDrive for work or school (tenant.sharepoint.com,
// tenant-my.sharepoint.com and the national clouds' equivalents), and
// OneDrive personal (my.microsoftpersonalcontent.com since 2024,
// public.*.files.1drv.com and *.livefilestore.com before it).
var downloadHosts = map[string][]string{
	driveway.CloudGlobal: {".sharepoint.com", ".microsoftpersonalcontent.com", ".files.1drv.com", ".livefilestore.com"},
	driveway.CloudUSGov:  {".sharepoint.us"},
	driveway.CloudDoD:    {".sharepoint-mil.us"},
	driveway.CloudChina:  {".sharepoint.cn"},
}

// maxDownloadHops bounds redirects followed from one Graph answer.
const maxDownloadHops = 3

// downloadLocation returns the Location of a Graph redirect when it is a
// pre-authenticated download URL the proxy may follow, else nil (the
// redirect is then passed on as it is).
func (p *Proxy) downloadLocation(resp *http.Response, cloud string) *url.URL {
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !loc.IsAbs() || loc.User != nil || loc.Host == "" {
		return nil
	}
	if !p.downloadHostAllowed(loc, cloud) {
		return nil
	}
	return loc
}

// downloadHostAllowed: one of DownloadHosts exactly (host and port, any of
// http and https), or, when Graph is Microsoft's (no Resolver override),
// an https URL on the default port under the cloud's download suffixes.
func (p *Proxy) downloadHostAllowed(u *url.URL, cloud string) bool {
	if u.Scheme != "https" && u.Scheme != "http" {
		return false
	}
	for _, h := range p.DownloadHosts {
		if strings.EqualFold(u.Host, h) {
			return true
		}
	}
	if p.Resolver.Override != nil || u.Scheme != "https" || u.Port() != "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, suffix := range downloadHosts[cloud] {
		if strings.HasSuffix(host, suffix) && len(host) > len(suffix) {
			return true
		}
	}
	return false
}

// followHeaders are the only request headers sent to a download host:
// none can carry a secret.
var followHeaders = []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since", "Accept", "Accept-Encoding", "User-Agent"}

// follow fetches a pre-authenticated download URL: same method, no
// Authorization, only followHeaders. Further redirects are followed while
// they stay on allowed download hosts.
func (p *Proxy) follow(req *http.Request, loc *url.URL, cloud string) (*http.Response, error) {
	for hop := 1; ; hop++ {
		dl, err := http.NewRequestWithContext(req.Context(), req.Method, loc.String(), nil)
		if err != nil {
			return nil, err
		}
		for _, k := range followHeaders {
			if v, ok := req.Header[k]; ok {
				dl.Header[k] = v
			}
		}
		resp, err := p.upstream.RoundTrip(dl)
		if err != nil {
			return nil, err
		}
		if !isRedirect(resp.StatusCode) || hop >= maxDownloadHops {
			return resp, nil
		}
		next := p.downloadLocation(resp, cloud)
		if next == nil {
			return resp, nil
		}
		discard(resp)
		loc = next
	}
}
