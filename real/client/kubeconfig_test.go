package client_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/apiserver"
	"github.com/kubetwin/kubetwin/real/client"
)

func TestFromKubeconfigWrittenByTheServer(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "kube", "config")
	if err := apiserver.WriteKubeconfig(path, e.srv.URL, e.pki.CAPEM, apiserver.AdminUser, adminToken); err != nil {
		t.Fatal(err)
	}
	c, err := client.FromKubeconfig(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Server() != e.srv.URL {
		t.Errorf("server %q, want %q", c.Server(), e.srv.URL)
	}
	if _, err := c.Get(ctx(t), nsKind, "", "default"); err != nil {
		t.Fatalf("get through the kubeconfig: %v", err)
	}
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// kubeconfig is a one-context kubeconfig with the given cluster and user fields.
func kubeconfig(server, clusterFields, userFields string) string {
	return "apiVersion: v1\nkind: Config\ncurrent-context: c\n" +
		"contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n" +
		"clusters:\n- name: k\n  cluster:\n    server: " + server + "\n" + clusterFields +
		"users:\n- name: u\n  user:\n" + userFields
}

func TestKubeconfigCAFileTokenFileAndInsecure(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	writeFile(t, dir, "ca.crt", string(e.pki.CAPEM))
	writeFile(t, dir, "token", adminToken+"\n")
	for name, doc := range map[string]string{
		"files":    kubeconfig(e.srv.URL, "    certificate-authority: ca.crt\n", "    tokenFile: token\n"),
		"insecure": kubeconfig(e.srv.URL, "    insecure-skip-tls-verify: true\n", "    token: "+adminToken+"\n"),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := client.FromKubeconfig(writeFile(t, dir, name+".yaml", doc))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Get(ctx(t), nsKind, "", "default"); err != nil {
				t.Fatalf("get: %v", err)
			}
		})
	}
}

func TestKubeconfigErrors(t *testing.T) {
	dir := t.TempDir()
	ok := "    token: x\n"
	cases := map[string]struct {
		doc  string
		want string
	}{
		"no current context": {"apiVersion: v1\nkind: Config\n", "no current-context"},
		"unknown context":    {strings.Replace(kubeconfig("https://h", "", ok), "current-context: c", "current-context: d", 1), `"d"`},
		"unknown cluster":    {strings.Replace(kubeconfig("https://h", "", ok), "cluster: k", "cluster: z", 1), `cluster "z"`},
		"unknown user":       {strings.Replace(kubeconfig("https://h", "", ok), "user: u", "user: v", 1), `user "v"`},
		"no server":          {kubeconfig(`""`, "", ok), "no server"},
		"bad CA data":        {kubeconfig("https://h", "    certificate-authority-data: '%%%'\n", ok), "certificate-authority-data"},
		"missing CA file":    {kubeconfig("https://h", "    certificate-authority: nope.crt\n", ok), "nope.crt"},
		"not PEM":            {kubeconfig("https://h", "    certificate-authority-data: bm90IFBFTQ==\n", ok), "PEM"},
		"bad server":         {kubeconfig("h:1:2", "", ok), "server URL"},
		"not YAML":           {"{", "kubeconfig"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, dir, strings.ReplaceAll(name, " ", "-"), tc.doc)
			_, err := client.FromKubeconfig(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s and %q", err, path, tc.want)
			}
		})
	}
	missing := filepath.Join(dir, "absent")
	_, err := client.FromKubeconfig(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
}
