package client

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// The parts of a kubeconfig (clientcmd's v1 Config) a token user needs.
type (
	kubeconfigDoc struct {
		Clusters       []namedCluster `json:"clusters"`
		Users          []namedUser    `json:"users"`
		Contexts       []namedContext `json:"contexts"`
		CurrentContext string         `json:"current-context"`
	}
	kubeCluster struct {
		Server                   string `json:"server"`
		CertificateAuthority     string `json:"certificate-authority"`
		CertificateAuthorityData string `json:"certificate-authority-data"`
		InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify"`
	}
	namedCluster struct {
		Name    string      `json:"name"`
		Cluster kubeCluster `json:"cluster"`
	}
	kubeUser struct {
		Token     string `json:"token"`
		TokenFile string `json:"tokenFile"`
	}
	namedUser struct {
		Name string   `json:"name"`
		User kubeUser `json:"user"`
	}
	namedContext struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	}
)

// FromKubeconfig returns a client for the current context of the
// kubeconfig at path, as written by apiserver.WriteKubeconfig or kubectl.
func FromKubeconfig(path string) (*Client, error) {
	cfg, err := LoadKubeconfig(path)
	if err != nil {
		return nil, err
	}
	c, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return c, nil
}

// LoadKubeconfig reads the Config of the kubeconfig's current context, so
// a caller can override a field (the server URL, say) before New. It
// understands a cluster's server, certificate-authority-data,
// certificate-authority (a file, relative to the kubeconfig's directory)
// and insecure-skip-tls-verify, and a user's token or tokenFile.
func LoadKubeconfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read kubeconfig: %w", err)
	}
	var doc kubeconfigDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Config{}, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	cfg, err := doc.config(filepath.Dir(path))
	if err != nil {
		return Config{}, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return cfg, nil
}

// config resolves the current context to a Config; relative file names
// are taken from dir.
func (d *kubeconfigDoc) config(dir string) (Config, error) {
	cluster, user, err := d.current()
	if err != nil {
		return Config{}, err
	}
	if cluster.Server == "" {
		return Config{}, fmt.Errorf("cluster of context %q has no server", d.CurrentContext)
	}
	cfg := Config{Server: cluster.Server, Insecure: cluster.InsecureSkipTLSVerify}
	if cfg.CAData, err = cluster.caData(dir); err != nil {
		return Config{}, err
	}
	if cfg.Token, err = user.token(dir); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// current finds the current context's cluster and user; a context
// without a user means no credentials.
func (d *kubeconfigDoc) current() (kubeCluster, kubeUser, error) {
	if d.CurrentContext == "" {
		return kubeCluster{}, kubeUser{}, fmt.Errorf("no current-context")
	}
	var ctx *namedContext
	for i := range d.Contexts {
		if d.Contexts[i].Name == d.CurrentContext {
			ctx = &d.Contexts[i]
		}
	}
	if ctx == nil {
		return kubeCluster{}, kubeUser{}, fmt.Errorf("current-context %q is not among the contexts", d.CurrentContext)
	}
	var cluster *kubeCluster
	for i := range d.Clusters {
		if d.Clusters[i].Name == ctx.Context.Cluster {
			cluster = &d.Clusters[i].Cluster
		}
	}
	if cluster == nil {
		return kubeCluster{}, kubeUser{}, fmt.Errorf("context %q names cluster %q, which is not defined",
			ctx.Name, ctx.Context.Cluster)
	}
	if ctx.Context.User == "" {
		return *cluster, kubeUser{}, nil
	}
	for _, u := range d.Users {
		if u.Name == ctx.Context.User {
			return *cluster, u.User, nil
		}
	}
	return kubeCluster{}, kubeUser{}, fmt.Errorf("context %q names user %q, which is not defined", ctx.Name, ctx.Context.User)
}

// caData is the cluster's CA certificates: inline (base64) or from a file.
func (c kubeCluster) caData(dir string) ([]byte, error) {
	if c.CertificateAuthorityData != "" {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.CertificateAuthorityData))
		if err != nil {
			return nil, fmt.Errorf("certificate-authority-data: %w", err)
		}
		return b, nil
	}
	if c.CertificateAuthority == "" {
		return nil, nil
	}
	b, err := os.ReadFile(resolve(dir, c.CertificateAuthority))
	if err != nil {
		return nil, fmt.Errorf("certificate-authority: %w", err)
	}
	return b, nil
}

// token is the user's bearer token: inline or from tokenFile.
func (u kubeUser) token(dir string) (string, error) {
	if u.Token != "" || u.TokenFile == "" {
		return u.Token, nil
	}
	b, err := os.ReadFile(resolve(dir, u.TokenFile))
	if err != nil {
		return "", fmt.Errorf("tokenFile: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// resolve makes a kubeconfig's relative file name relative to its directory.
func resolve(dir, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}
