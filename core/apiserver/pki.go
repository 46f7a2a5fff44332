package apiserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/clock"
)

// The files EnsurePKI keeps in its directory.
const (
	CAFile         = "ca.crt"
	caKeyFile      = "ca.key"
	ServingFile    = "apiserver.crt"
	servingKeyFile = "apiserver.key"
)

// Certificate lifetimes: long enough that a testbed never sees one expire.
const (
	caValidity      = 10 * 365 * 24 * time.Hour
	servingValidity = 2 * 365 * 24 * time.Hour
)

// PKIConfig says where the server's certificates live and whom they name.
type PKIConfig struct {
	// Dir holds ca.crt, ca.key, apiserver.crt and apiserver.key.
	Dir string
	// Hosts are extra DNS names or IP addresses the serving certificate
	// must name, beyond 127.0.0.1, ::1 and localhost.
	Hosts []string
	// Clock dates the certificates; nil means clock.Real().
	Clock clock.Clock
}

// PKI is a cluster's CA and the API server's serving certificate, kept on
// disk so clients' kubeconfigs stay valid across restarts.
type PKI struct {
	CAPEM   []byte
	Serving tls.Certificate
}

// EnsurePKI loads the CA and serving certificate from cfg.Dir, creating
// whichever is missing; a serving certificate that no longer names every
// configured host is reissued from the same CA.
func EnsurePKI(cfg PKIConfig) (*PKI, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki dir %s: %w", cfg.Dir, err)
	}
	caCert, caKey, err := ensureCA(cfg)
	if err != nil {
		return nil, err
	}
	serving, err := ensureServing(cfg, caCert, caKey)
	if err != nil {
		return nil, err
	}
	return &PKI{CAPEM: pemCert(caCert.Raw), Serving: serving}, nil
}

// TLSConfig is the server side TLS configuration serving p's certificate.
func (p *PKI) TLSConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.Serving}, MinVersion: tls.VersionTLS12}
}

// CertPool is a pool holding only p's CA, for clients that must verify the server.
func (p *PKI) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.CAPEM)
	return pool
}

// ensureCA loads or creates the self-signed CA.
func ensureCA(cfg PKIConfig) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPath, keyPath := filepath.Join(cfg.Dir, CAFile), filepath.Join(cfg.Dir, caKeyFile)
	cert, key, err := loadPair(certPath, keyPath)
	if err == nil {
		return cert, key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate CA key: %w", err)
	}
	now := cfg.Clock.Now()
	tmpl, err := certTemplate("kubetwin-ca", now, caValidity)
	if err != nil {
		return nil, nil, err
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign
	cert, err = signAndWrite(tmpl, tmpl, key, key, certPath, keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA: %w", err)
	}
	return cert, key, nil
}

// ensureServing loads the serving pair, or issues one from the CA when it
// is missing, signed by another CA, or does not name every host.
func ensureServing(cfg PKIConfig, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(cfg.Dir, ServingFile), filepath.Join(cfg.Dir, servingKeyFile)
	dns, ips := sans(cfg.Hosts)
	cert, _, err := loadPair(certPath, keyPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return tls.Certificate{}, err
	}
	if err != nil || cert.CheckSignatureFrom(ca) != nil || !covers(cert, dns, ips) {
		if err := issueServing(cfg, ca, caKey, dns, ips, certPath, keyPath); err != nil {
			return tls.Certificate{}, err
		}
	}
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load serving certificate: %w", err)
	}
	return pair, nil
}

// issueServing signs a new serving certificate for the names.
func issueServing(cfg PKIConfig, ca *x509.Certificate, caKey *ecdsa.PrivateKey, dns []string, ips []net.IP, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate serving key: %w", err)
	}
	tmpl, err := certTemplate("kubetwin-apiserver", cfg.Clock.Now(), servingValidity)
	if err != nil {
		return err
	}
	tmpl.DNSNames, tmpl.IPAddresses = dns, ips
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	if _, err := signAndWrite(tmpl, ca, key, caKey, certPath, keyPath); err != nil {
		return fmt.Errorf("issue serving certificate: %w", err)
	}
	return nil
}

// sans splits the default and configured hosts into DNS names and IPs.
func sans(hosts []string) ([]string, []net.IP) {
	dns := []string{"localhost"}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else if h != "" {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

// covers reports whether cert names every DNS name and IP.
func covers(cert *x509.Certificate, dns []string, ips []net.IP) bool {
	for _, d := range dns {
		if !slices.Contains(cert.DNSNames, d) {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// certTemplate is a certificate valid from now (less a minute of skew) for d.
func certTemplate(cn string, now time.Time, d time.Duration) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certificate serial: %w", err)
	}
	return &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"kubetwin"}},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(d)}, nil
}

// signAndWrite signs tmpl with the parent's key and writes the
// certificate and key as PEM (the key with mode 0600).
func signAndWrite(tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey, certPath, keyPath string) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", tmpl.Subject.CommonName, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	if err := os.WriteFile(certPath, pemCert(der), 0o644); err != nil {
		return nil, fmt.Errorf("write certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// pemCert wraps DER certificate bytes as PEM.
func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// loadPair reads a PEM certificate and EC key; a missing file yields an
// error wrapping fs.ErrNotExist.
func loadPair(certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", certPath, err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", keyPath, err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, fmt.Errorf("%s or %s is not PEM", certPath, keyPath)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", certPath, err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", keyPath, err)
	}
	return cert, key, nil
}
