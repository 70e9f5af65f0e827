package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// decodeManifest splits a generated manifest into its Service and Job,
// decoded strictly into the real Kubernetes API types: a field that does not
// exist in them (a typo, an indentation slip) fails the test.
func decodeManifest(t *testing.T, m string) (*corev1.Service, *batchv1.Job) {
	t.Helper()
	docs := strings.Split(m, "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("%d documents, want a Service and a Job:\n%s", len(docs), m)
	}
	var svc corev1.Service
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &svc); err != nil {
		t.Fatalf("Service: %v\n%s", err, docs[0])
	}
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &job); err != nil {
		t.Fatalf("Job: %v\n%s", err, docs[1])
	}
	return &svc, &job
}

func TestManifestIsAValidIndexedJob(t *testing.T) {
	var out, errs bytes.Buffer
	code := dispatch(context.Background(), []string{"k8s", "--generators", "4", "--image", "reg.example/rb:v1",
		"-c", "40", "-r", "4000", "-d", "30s", "-p", "shared", "http://api.default:8080/"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	svc, job := decodeManifest(t, out.String())
	if svc.Kind != "Service" || svc.Spec.ClusterIP != "None" || svc.Spec.Selector["job-name"] != "reusebench" ||
		len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != rendezvousPort {
		t.Errorf("service %+v: want a headless Service selecting the Job's pods on the rendezvous port", svc.Spec)
	}
	s := job.Spec
	if job.Kind != "Job" || s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion ||
		s.Completions == nil || *s.Completions != 4 || s.Parallelism == nil || *s.Parallelism != 4 {
		t.Fatalf("job spec %+v: want Indexed with completions = parallelism = 4", s)
	}
	pod := s.Template.Spec
	if pod.Subdomain != "reusebench" || pod.RestartPolicy != corev1.RestartPolicyNever ||
		len(pod.TopologySpreadConstraints) != 1 || len(pod.Containers) != 1 {
		t.Fatalf("pod spec %+v: want the Service's subdomain, no restarts, spread over nodes, one container", pod)
	}
	c := pod.Containers[0]
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"run --format json --segment $(JOB_COMPLETION_INDEX)/4 --rendezvous reusebench-0.reusebench:7070",
		"-c 40 -r 4000 -d 30s -p shared http://api.default:8080/"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	if c.Image != "reg.example/rb:v1" || c.Resources.Requests.Cpu().String() != "2" || c.Resources.Limits.Memory().String() != "512Mi" {
		t.Errorf("container %s, requests %v, limits %v", c.Image, c.Resources.Requests, c.Resources.Limits)
	}
	if len(c.Env) != 1 || c.Env[0].Name != "JOB_COMPLETION_INDEX" || c.Env[0].ValueFrom == nil ||
		c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("env %+v: want JOB_COMPLETION_INDEX from the completion index annotation", c.Env)
	}
}

func TestManifestRefuses(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"k8s", "-c", "8", "http://x/"}, "--generators 0"},
		{[]string{"k8s", "--generators", "2", "-c", "8"}, "name the target URL"},
		{[]string{"k8s", "--generators", "9", "-c", "8", "http://x/"}, "every generator needs a worker"},
		{[]string{"k8s", "--generators", "2", "--name", "Bad_Name", "http://x/"}, "DNS label"},
		{[]string{"k8s", "--generators", "2", "--segment", "0/2", "http://x/"}, "set by the manifest"},
		{[]string{"k8s", "--generators", "2", "-c", "nope", "http://x/"}, "run flags"},
	} {
		var errs bytes.Buffer
		if code := dispatch(context.Background(), tt.args, io.Discard, &errs); code != 2 || !strings.Contains(errs.String(), tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, errs.String(), tt.want)
		}
	}
}

// TestManifestRecipeOnOneMachine runs the generated Job on one machine: it
// takes the container's args from the manifest, puts in each generator's
// completion index and, for the rendezvous and the target, addresses on
// loopback, runs the 3 generators at once (in-process, as 3 pods would), and
// merges their printed results as `kubectl logs | reusebench report -` does.
// The merge must equal what the target counted exactly (requests,
// connections), and the merged open-model rate must be within 1 % of the
// target rate: 300/s for 2 s is 600 arrivals, dealt 200 to each generator.
func TestManifestRecipeOnOneMachine(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	const n = 3
	var out, errs bytes.Buffer
	if code := dispatch(context.Background(), []string{"k8s", "--generators", fmt.Sprint(n),
		"-c", "6", "-r", "300", "-d", "2s", "--rounds", "1", "-p", "shared", "http://target.example/"}, &out, &errs); code != 0 {
		t.Fatalf("k8s: exit %d: %s", code, errs.String())
	}
	_, job := decodeManifest(t, out.String())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rendezvous := ln.Addr().String()
	ln.Close()
	stdout := make([]bytes.Buffer, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		var args []string
		for _, a := range job.Spec.Template.Spec.Containers[0].Args {
			a = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", fmt.Sprint(i))
			a = strings.ReplaceAll(a, "reusebench-0.reusebench:7070", rendezvous)
			a = strings.ReplaceAll(a, "http://target.example/", srv.URL()+"/")
			args = append(args, a)
		}
		wg.Go(func() { codes[i] = dispatch(context.Background(), args, &stdout[i], io.Discard) })
	}
	wg.Wait()
	var logs bytes.Buffer
	for i := range n {
		if codes[i] != 0 {
			t.Fatalf("generator %d: exit %d", i, codes[i])
		}
		fmt.Fprintf(&logs, "generator %d says hello on stderr\n", i) // what kubectl logs interleaves
		logs.Write(stdout[i].Bytes())
	}
	var merged bytes.Buffer
	if code := reportFrom([]string{"--format", "json", "--plots=false", "-o", t.TempDir(), "-"}, &logs, &merged, io.Discard); code != 0 {
		t.Fatalf("report -: exit %d", code)
	}
	var res results.Results
	if err := json.Unmarshal(merged.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Merged == nil || res.Merged.Segments != n || len(res.Merged.Missing) != 0 {
		t.Fatalf("merged %+v: want all %d segments", res.Merged, n)
	}
	t.Logf("start skew across the %d generators: %.2f ms", n, res.Merged.StartSkewMs)
	p := res.Profiles[0]
	sc := srv.Counts()
	if p.Requests != 600 || sc.Requests != 600 || p.Connections.Opened != sc.Accepted {
		t.Errorf("merged %d requests and %d connections; target %d and %d; want 600 requests and equal connections",
			p.Requests, p.Connections.Opened, sc.Requests, sc.Accepted)
	}
	if r := p.Rate; r == nil || r.Target != 300 || r.Achieved < 297 || r.Achieved > 303 {
		t.Errorf("merged rate %+v: want target 300/s, achieved within 1 %%", r)
	}
}
