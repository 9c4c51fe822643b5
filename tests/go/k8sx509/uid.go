// Package k8sx509 holds what more than one of the Go peers re-states from kube-apiserver's
// x509 authenticator (k8s.io/apiserver/pkg/authentication/request/x509/x509.go), so that
// x509check and whoamiserver read a certificate's identity with the same code.
package k8sx509

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
)

// UIDOID is the subject attribute x509.go reads the user's UID from
// (1.3.6.1.4.1.57683.2).
var UIDOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57683, 2}

// ParseUIDFromCert is x509.go's parseUIDFromCert, with the feature gate
// (AllowParsingUserUIDFromCertAuth) on: Go's pkix parsing decides what a value is.
func ParseUIDFromCert(cert *x509.Certificate) (string, error) {
	uids := []string{}
	for _, name := range cert.Subject.Names {
		if !name.Type.Equal(UIDOID) {
			continue
		}
		uid, ok := name.Value.(string)
		if !ok {
			return "", fmt.Errorf("unable to parse UID into a string")
		}
		uids = append(uids, uid)
	}
	if len(uids) == 0 {
		return "", nil
	}
	if len(uids) != 1 {
		return "", fmt.Errorf("expected 1 UID, but found multiple: %v", uids)
	}
	if uids[0] == "" {
		return "", errors.New("UID cannot be an empty string")
	}
	return uids[0], nil
}
