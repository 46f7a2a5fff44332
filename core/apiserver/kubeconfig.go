package apiserver

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// The kubeconfig shapes kubectl reads (clientcmd's v1 Config), reduced to
// what a token user of one cluster needs.
type (
	kubeconfigDoc struct {
		APIVersion     string         `json:"apiVersion"`
		Kind           string         `json:"kind"`
		Clusters       []namedCluster `json:"clusters"`
		Users          []namedUser    `json:"users"`
		Contexts       []namedContext `json:"contexts"`
		CurrentContext string         `json:"current-context"`
		Preferences    struct{}       `json:"preferences"`
	}
	namedCluster struct {
		Name    string `json:"name"`
		Cluster struct {
			Server                   string `json:"server"`
			CertificateAuthorityData string `json:"certificate-authority-data"`
		} `json:"cluster"`
	}
	namedUser struct {
		Name string `json:"name"`
		User struct {
			Token string `json:"token"`
		} `json:"user"`
	}
	namedContext struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	}
)

// kubeconfigCluster names the one cluster a written kubeconfig holds.
const kubeconfigCluster = "kubetwin"

// WriteKubeconfig writes (mode 0600) a kubeconfig with which kubectl
// reaches serverURL as user, trusting only caPEM.
func WriteKubeconfig(path, serverURL string, caPEM []byte, user, token string) error {
	var doc kubeconfigDoc
	doc.APIVersion, doc.Kind = "v1", "Config"
	var c namedCluster
	c.Name = kubeconfigCluster
	c.Cluster.Server = serverURL
	c.Cluster.CertificateAuthorityData = base64.StdEncoding.EncodeToString(caPEM)
	var u namedUser
	u.Name, u.User.Token = user, token
	var ctx namedContext
	ctx.Name = user + "@" + kubeconfigCluster
	ctx.Context.Cluster, ctx.Context.User = kubeconfigCluster, user
	doc.Clusters, doc.Users, doc.Contexts = []namedCluster{c}, []namedUser{u}, []namedContext{ctx}
	doc.CurrentContext = ctx.Name
	b, err := yaml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode kubeconfig: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("kubeconfig dir: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}
