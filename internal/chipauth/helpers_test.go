package chipauth_test

import (
	"github.com/vneid/vneid/internal/cms"
	"github.com/vneid/vneid/internal/testkit"
	"github.com/vneid/vneid/internal/x509lite"
)

func signerOptions(p *testkit.PKI) cms.SignOptions {
	alg := x509lite.ECDSAWithSHA256()
	return cms.SignOptions{Signer: p.DS, Key: p.DSKey, Digest: p.Profile.Digest(), SignatureAlgorithm: alg}
}
