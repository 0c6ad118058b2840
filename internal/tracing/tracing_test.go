package tracing

import "testing"

func TestGraphRouteHoldsNoIdOrName(t *testing.T) {
	for _, tc := range []struct{ path, service, route string }{
		{"/v1.0/me/drive/root/children", "graph", "/v1.0/me/drive/root/children"},
		{"/_ms/v1.0/me/drive/items/01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K/content", "graph", "/v1.0/me/drive/items/{id}/content"},
		{"/v1.0/drives/b!x-1AbC/root:/Finance/Q1 plan.xlsx:/content", "graph", "/v1.0/drives/{id}/root:{path}:/content"},
		{"/v1.0/me/drive/root:/Salaries 2026.xlsx", "graph", "/v1.0/me/drive/root:{path}"},
		{"/v1.0/me/drive/root/search(q='salaries')", "graph", "/v1.0/me/drive/root/search({args})"},
		{"/v1.0/subscriptions/6f1e2d", "graph", "/v1.0/subscriptions/{id}"},
		{"/contoso.onmicrosoft.com/oauth2/v2.0/token", "login", "/{tenant}/oauth2/v2.0/token"},
		{"/_ms/common/oauth2/v2.0/token", "login", "/{tenant}/oauth2/v2.0/token"},
		{"/personal/adele_contoso_com/_layouts/15/download.aspx", "download", "/{download}"},
	} {
		service, route := GraphRoute(tc.path)
		if service != tc.service || route != tc.route {
			t.Errorf("GraphRoute(%q) = %q %q, want %q %q", tc.path, service, route, tc.service, tc.route)
		}
	}
}

func TestEnabledFollowsTheStandardVariables(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, false},
		{map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false},
	} {
		if got := Enabled(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("Enabled(%v) = %v, want %v", tc.env, got, tc.want)
		}
	}
}
