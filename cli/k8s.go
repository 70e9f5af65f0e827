package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// k8sUsage is the help of `reusebench k8s`.
const k8sUsage = `usage: reusebench k8s --generators N [--image IMAGE] [--name NAME] [run flags] URL...

Prints a Kubernetes manifest that runs 'reusebench run [run flags] URL...' on N
generators at once: an Indexed Job (completions = parallelism = N, pods spread
across nodes), each pod segment $(JOB_COMPLETION_INDEX) of N, meeting at a
rendezvous on pod 0 through a headless Service, so their measured windows start
together. Every pod prints its results as JSON; the comment at the top of the
manifest is the command that collects and merges them. Run flags are checked
as 'reusebench run' checks them.

examples:
  # 4 generators, 200k req/s in all, against a service in the cluster
  reusebench k8s --generators 4 --image registry.example/reusebench:v1 \
      -r 200000 -c 400 -d 60s -p shared -p pool8=shared,max-idle-per-host=8 http://api.default:8080/ > job.yaml
  kubectl apply -f job.yaml && kubectl wait --for=condition=complete job/reusebench --timeout=10m
  kubectl logs -l job-name=reusebench --tail=-1 --max-log-requests 4 | reusebench report -

flags:
`

// rendezvousPort is where pod 0 of a generated Job listens for the others.
const rendezvousPort = 7070

// k8sCmd is `reusebench k8s`: it prints the manifest of a run on N
// generators. Its own flags come first; the rest are run's flags and URLs,
// checked by run's parser.
func k8sCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("k8s", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("generators", 0, "how many generators (pods) share the run, `N` ≥ 1")
	image := fs.String("image", "reusebench:latest", "the container `IMAGE` (build it with the repository's Dockerfile)")
	name := fs.String("name", "reusebench", "the Job's and Service's `NAME` (a DNS label)")
	cpu := fs.String("cpu", "2", "each pod's CPU request, `CPU` (a Kubernetes quantity)")
	memory := fs.String("memory", "256Mi", "each pod's memory request, `MEMORY` (the limit is twice it)")
	fs.Usage = func() {}
	own, runArgs := splitK8sArgs(fs, args)
	if err := fs.Parse(own); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, k8sUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "reusebench k8s: %v (run 'reusebench k8s -h' for flags)\n", err)
		return 2
	}
	if err := checkK8s(*n, *name, *image); err != nil {
		fmt.Fprintf(stderr, "reusebench k8s: %v\n", err)
		return 2
	}
	rc, err := parseRun(runArgs, io.Discard)
	if err != nil {
		fmt.Fprintf(stderr, "reusebench k8s: run flags: %v\n", err)
		return 2
	}
	switch {
	case len(rc.urls) == 0 && rc.targetsFile == "":
		fmt.Fprintln(stderr, "reusebench k8s: name the target URL(s): the generators cannot share an embedded target")
		return 2
	case rc.targetsFile != "":
		fmt.Fprintln(stderr, "reusebench k8s: --targets reads a local file the pods do not have; give the URLs")
		return 2
	case rc.segment != "" || rc.startAt != "" || rc.rendezvous != "" || rc.outDir != "":
		fmt.Fprintln(stderr, "reusebench k8s: --segment, --start-at, --rendezvous and -o are set by the manifest")
		return 2
	case rc.concurrency < *n:
		fmt.Fprintf(stderr, "reusebench k8s: -c %d with %d generators: every generator needs a worker\n", rc.concurrency, *n)
		return 2
	}
	fmt.Fprint(stdout, Manifest(ManifestConfig{Generators: *n, Image: *image, Name: *name, CPU: *cpu, Memory: *memory, RunArgs: runArgs}))
	return 0
}

// splitK8sArgs separates the k8s subcommand's own flags (those fs defines,
// and -h) from run's flags and URLs, keeping each group's order.
func splitK8sArgs(fs *flag.FlagSet, args []string) (own, run []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || (fs.Lookup(name) == nil && name != "h" && name != "help") {
			run = append(run, a)
			continue
		}
		own = append(own, a)
		if !hasValue && fs.Lookup(name) != nil && i+1 < len(args) {
			i++
			own = append(own, args[i])
		}
	}
	return own, run
}

// checkK8s checks the k8s subcommand's own flags.
func checkK8s(n int, name, image string) error {
	switch {
	case n < 1:
		return fmt.Errorf("--generators %d: want 1 or more", n)
	case !dnsLabel(name):
		return fmt.Errorf("--name %q: want a DNS label (lower-case letters, digits and '-', at most 50 characters)", name)
	case image == "" || strings.ContainsAny(image, " \t\n\""):
		return fmt.Errorf("--image %q: want an image reference", image)
	}
	return nil
}

// dnsLabel reports whether s is a DNS label short enough for pod host names
// (NAME-INDEX).
func dnsLabel(s string) bool {
	if s == "" || len(s) > 50 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// ManifestConfig is what a generated manifest needs.
type ManifestConfig struct {
	Generators          int
	Image, Name         string
	CPU, Memory         string
	RunArgs             []string // run's flags and URLs, as given (secrets are taken out: hideSecrets)
	RendezvousOverwrite string   // tests: another rendezvous address
}

// Manifest returns the YAML of a headless Service and an Indexed Job that
// run 'reusebench run' on c.Generators pods as segments of one run.
func Manifest(c ManifestConfig) string {
	rendezvous := fmt.Sprintf("%s-0.%s:%d", c.Name, c.Name, rendezvousPort)
	args := []string{"run", "--format", "json", "--segment", "$(JOB_COMPLETION_INDEX)/" + strconv.Itoa(c.Generators),
		"--rendezvous", rendezvous}
	runArgs, secrets := hideSecrets(c.RunArgs)
	args = append(args, runArgs...)
	secretName := c.Name + "-secrets"
	var b strings.Builder
	q := strconv.Quote // a JSON string is a YAML scalar
	fmt.Fprintf(&b, "# reusebench on %d generators. Apply, wait, then collect and merge the results:\n", c.Generators)
	fmt.Fprintf(&b, "#   kubectl apply -f THIS_FILE && kubectl wait --for=condition=complete job/%s --timeout=1h\n", c.Name)
	fmt.Fprintf(&b, "#   kubectl logs -l job-name=%s --tail=-1 --max-log-requests %d | reusebench report -\n", c.Name, max(c.Generators, 5))
	fmt.Fprintf(&b, "# Delete with: kubectl delete job/%s service/%s\n", c.Name, c.Name)
	if len(secrets) > 0 {
		fmt.Fprintf(&b, "# The run's secrets are not in this file: the pods read them from the Secret %s.\n", secretName)
		fmt.Fprintf(&b, "# Create it first, with the values in place of the dots:\n#   kubectl create secret generic %s", secretName)
		for _, s := range secrets {
			fmt.Fprintf(&b, " \\\n#     --from-literal=%s=...", s.Key)
		}
		b.WriteString("\n")
		for _, s := range secrets {
			fmt.Fprintf(&b, "#   %s: %s\n", s.Key, s.What)
		}
	}
	fmt.Fprintf(&b, `apiVersion: v1
kind: Service
metadata:
  name: %[1]s
  labels:
    app.kubernetes.io/name: reusebench
spec:
  clusterIP: None
  selector:
    job-name: %[1]s
  ports:
  - name: rendezvous
    port: %[2]d
    targetPort: %[2]d
---
apiVersion: batch/v1
kind: Job
metadata:
  name: %[1]s
  labels:
    app.kubernetes.io/name: reusebench
spec:
  completionMode: Indexed
  completions: %[3]d
  parallelism: %[3]d
  backoffLimit: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: reusebench
        job-name: %[1]s
    spec:
      subdomain: %[1]s
      restartPolicy: Never
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: ScheduleAnyway
        labelSelector:
          matchLabels:
            job-name: %[1]s
      containers:
      - name: reusebench
        image: %[4]s
        args:
`, c.Name, rendezvousPort, c.Generators, q(c.Image))
	for _, a := range args {
		fmt.Fprintf(&b, "        - %s\n", q(a))
	}
	b.WriteString(`        env:
        - name: JOB_COMPLETION_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']
`)
	for _, s := range secrets {
		fmt.Fprintf(&b, `        - name: %s
          valueFrom:
            secretKeyRef:
              name: %s
              key: %s
`, s.Env, q(secretName), q(s.Key))
	}
	fmt.Fprintf(&b, `        ports:
        - name: rendezvous
          containerPort: %d
        resources:
          requests:
            cpu: %s
            memory: %s
          limits:
            memory: %s
`, rendezvousPort, q(c.CPU), q(c.Memory), q(doubleQuantity(c.Memory)))
	return b.String()
}

// doubleQuantity doubles a memory quantity such as 256Mi; one it cannot
// read is returned as it is.
func doubleQuantity(q string) string {
	i := strings.IndexFunc(q, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(q)
	}
	v, err := strconv.ParseFloat(q[:i], 64)
	if err != nil {
		return q
	}
	return strconv.FormatFloat(2*v, 'f', -1, 64) + q[i:]
}
