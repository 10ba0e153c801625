package x509lite_test

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"time"

	"github.com/vneid/vneid/internal/ec"
	"github.com/vneid/vneid/internal/x509lite"
)

// A synthetic CSCA with explicit brainpoolP512r1 parameters, as Vietnam's,
// issuing a document signer certificate; the chain is then read back and
// verified.
func ExampleCreateCertificate() {
	cscaKey, _ := ec.GenerateKey(ec.BrainpoolP512r1(), nil)
	dsKey, _ := ec.GenerateKey(ec.BrainpoolP512r1(), nil)
	now := time.Now()

	cscaDER, err := x509lite.CreateCertificate(&x509lite.Template{
		SerialNumber:       big.NewInt(1),
		Subject:            x509lite.DistinguishedName{Country: "VN", Organization: "Test", CommonName: "CSCA Test"},
		NotBefore:          now,
		NotAfter:           now.AddDate(15, 0, 0),
		IsCA:               true,
		MaxPathLen:         0,
		KeyUsage:           x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExplicitParameters: true,
	}, &cscaKey.PublicKey, nil, cscaKey)
	if err != nil {
		fmt.Println(err)
		return
	}
	csca, _ := x509lite.ParseCertificate(cscaDER)

	dsDER, err := x509lite.CreateCertificate(&x509lite.Template{
		SerialNumber:       big.NewInt(2),
		Subject:            x509lite.DistinguishedName{Country: "VN", Organization: "Test", CommonName: "Document Signer"},
		NotBefore:          now,
		NotAfter:           now.AddDate(10, 0, 0),
		KeyUsage:           x509.KeyUsageDigitalSignature,
		ExplicitParameters: true,
	}, &dsKey.PublicKey, csca, cscaKey)
	if err != nil {
		fmt.Println(err)
		return
	}

	ds, err := x509lite.ParseCertificate(dsDER)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ds.Subject.CommonName, "on", ds.PublicKey.(*ec.PublicKey).Curve)
	fmt.Println("signed with", ds.SignatureAlgorithm)
	fmt.Println("chain:", ds.CheckSignatureFrom(csca))
	// Output:
	// Document Signer on brainpoolP512r1
	// signed with ecdsa-with-SHA512
	// chain: <nil>
}
