package microsoft

import (
	"fmt"
	"net/url"
	"strings"
)

// Endpoints are the base URLs of one Microsoft cloud.
type Endpoints struct {
	// Login is the identity platform authority without the tenant, for
	// example "https://login.microsoftonline.com".
	Login string
	// Graph is the Graph API base without the version, for example
	// "https://graph.microsoft.com".
	Graph string
}

// Clouds maps each cloud name (driveway.Cloud*) to Microsoft's endpoints.
// Source: Microsoft's national cloud deployments page.
var Clouds = map[string]Endpoints{
	"global": {Login: "https://login.microsoftonline.com", Graph: "https://graph.microsoft.com"},
	"usgov":  {Login: "https://login.microsoftonline.us", Graph: "https://graph.microsoft.us"},
	"dod":    {Login: "https://login.microsoftonline.us", Graph: "https://dod-graph.microsoft.us"},
	"china":  {Login: "https://login.chinacloudapi.cn", Graph: "https://microsoftgraph.chinacloudapi.cn"},
}

// EndpointsFor returns the endpoints of cloud, or an error naming it.
func EndpointsFor(cloud string) (Endpoints, error) {
	e, ok := Clouds[cloud]
	if !ok {
		return Endpoints{}, fmt.Errorf("unknown cloud %q (want global, usgov, dod or china)", cloud)
	}
	return e, nil
}

// Validate checks that both URLs are absolute http(s) URLs without a query
// or fragment; an error names the field.
func (e Endpoints) Validate() error {
	for name, raw := range map[string]string{"login": e.Login, "graph": e.Graph} {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("%s endpoint %q: want an absolute http(s) URL without query", name, raw)
		}
	}
	return nil
}

// AuthorizeURL returns the authorize endpoint for tenant.
func (e Endpoints) AuthorizeURL(tenant string) string {
	return strings.TrimRight(e.Login, "/") + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/authorize"
}

// TokenURL returns the token endpoint for tenant.
func (e Endpoints) TokenURL(tenant string) string {
	return strings.TrimRight(e.Login, "/") + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token"
}

// GraphV1 returns the Graph v1.0 base, for example
// "https://graph.microsoft.com/v1.0".
func (e Endpoints) GraphV1() string {
	return strings.TrimRight(e.Graph, "/") + "/v1.0"
}

// Resolver gives the endpoints of a cloud. With Override set, every cloud
// resolves to it: that is how tests and `driveway dev` point Driveway at the
// emulator (DRIVEWAY_MICROSOFT_LOGIN_URL and DRIVEWAY_MICROSOFT_GRAPH_URL).
// The zero Resolver gives Microsoft's real endpoints.
type Resolver struct {
	Override *Endpoints
}

// Endpoints returns the endpoints for cloud, or an error for an unknown
// cloud name.
func (r Resolver) Endpoints(cloud string) (Endpoints, error) {
	e, err := EndpointsFor(cloud)
	if err != nil {
		return Endpoints{}, err
	}
	if r.Override != nil {
		return *r.Override, nil
	}
	return e, nil
}
