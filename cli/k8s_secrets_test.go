package cli

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestManifestKeepsSecretsOut: a manifest names the run's secrets but does
// not hold them. Each secret-bearing value becomes $(ENV), set from a key
// of the Secret NAME-secrets; the comment says how to create it, without
// the values. Expanding the references with the values, as Kubernetes
// does, gives back the run the user asked for, flag for flag.
func TestManifestKeepsSecretsOut(t *testing.T) {
	given := []string{"-c", "4", "-d", "2s", "--bearer", "tok-1234", "-H", "Authorization: Basic QWxh",
		"-H", "Accept: text/plain", "--cookie=session=s3cr3t", "-p", "shared", "--proxy", "http://pu:ppw@proxy:3128",
		"http://user:upw@api.default:8080/x?key=q-999", "http://api.default:8080/plain"}
	// key → value the Secret must hold: worked out from given.
	want := map[string]string{
		"bearer":               "tok-1234",
		"header-authorization": "Basic QWxh",
		"cookie-session":       "s3cr3t",
		"proxy":                "http://pu:ppw@proxy:3128",
		"url-1":                "http://user:upw@api.default:8080/x?key=q-999",
	}
	var out, errs bytes.Buffer
	if code := dispatch(context.Background(), append([]string{"k8s", "--generators", "2", "--name", "load"}, given...), &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	m := out.String()
	for _, secret := range []string{"tok-1234", "QWxh", "s3cr3t", "ppw", "upw", "q-999"} {
		if strings.Contains(m, secret) {
			t.Errorf("the manifest holds the secret %q", secret)
		}
	}
	for key := range want {
		if !strings.Contains(m, "--from-literal="+key+"=...") {
			t.Errorf("the comment does not say to create key %s", key)
		}
	}
	_, job := decodeManifest(t, m)
	c := job.Spec.Template.Spec.Containers[0]
	values := map[string]string{} // $(ENV) → the value Kubernetes puts there
	for _, e := range c.Env[1:] {
		ref := e.ValueFrom.SecretKeyRef
		if ref == nil || ref.Name != "load-secrets" {
			t.Fatalf("env %s: %+v, want a key of the Secret load-secrets", e.Name, e.ValueFrom)
		}
		v, ok := want[ref.Key]
		if !ok {
			t.Fatalf("env %s from key %q, not a secret of the run", e.Name, ref.Key)
		}
		values["$("+e.Name+")"] = v
	}
	if len(values) != len(want) {
		t.Errorf("%d secrets in the env, want %d", len(values), len(want))
	}
	var expanded []string
	for _, a := range c.Args[7:] { // after run --format json --segment I/N --rendezvous ADDR
		for ref, v := range values {
			a = strings.ReplaceAll(a, ref, v)
		}
		expanded = append(expanded, a)
	}
	got, err := parseRun(expanded, nil)
	if err != nil {
		t.Fatalf("the expanded args %q: %v", expanded, err)
	}
	orig, err := parseRun(given, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.bearer != orig.bearer || got.proxy != orig.proxy || !reflect.DeepEqual(got.urls, orig.urls) ||
		!reflect.DeepEqual(got.headers, orig.headers) || !reflect.DeepEqual(got.cookies, orig.cookies) {
		t.Errorf("expanded: bearer %q proxy %q urls %q headers %q cookies %q\nwant      bearer %q proxy %q urls %q headers %q cookies %q",
			got.bearer, got.proxy, got.urls, got.headers, got.cookies, orig.bearer, orig.proxy, orig.urls, orig.headers, orig.cookies)
	}
}
