package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the line `reusebench --version` prints: the main module's
// version ("devel" for a build from a work tree, with the VCS revision when
// the build recorded one) and the Go version and platform that built it.
func version(bi *debug.BuildInfo, ok bool) string {
	v, goVersion := "devel", runtime.Version()
	if ok {
		if m := bi.Main.Version; m != "" && m != "(devel)" {
			v = m
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		if v == "devel" {
			var rev, modified string
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value
				}
			}
			if len(rev) > 12 {
				rev = rev[:12]
			}
			switch {
			case rev != "" && modified == "true":
				v += " (" + rev + ", modified)"
			case rev != "":
				v += " (" + rev + ")"
			}
		}
	}
	return fmt.Sprintf("reusebench %s %s %s/%s", v, goVersion, runtime.GOOS, runtime.GOARCH)
}

// buildVersion is version for this binary.
func buildVersion() string { return version(debug.ReadBuildInfo()) }
