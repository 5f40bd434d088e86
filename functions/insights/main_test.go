package insights

import (
	"os"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
)

func TestMain(m *testing.M) {
	pdfCompress = false // tests read the PDF's text
	os.Exit(apitest.Main(m))
}
