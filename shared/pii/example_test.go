package pii_test

import (
	"fmt"

	"pointsofyou.ai/studio/shared/pii"
)

// The coach redacts a question, sends the redacted text to the model and
// restores the streamed answer chunk by chunk.
func Example() {
	r := pii.New(pii.Options{Names: []string{"Dana Levi"}, Region: "GB"})
	red := r.Redact("Dana Levi asked me to call 020 7946 0958. My colleague Zoltan disagrees.")
	fmt.Println(red.Text)

	rs := red.NewRestorer()
	for _, chunk := range []string{"Tell [NA", "ME_1] and [NA", "ME_2] how you feel."} {
		fmt.Print(rs.Write(chunk))
	}
	fmt.Println(rs.Flush())
	// Output:
	// [NAME_1] asked me to call [PHONE_1]. My colleague [NAME_2] disagrees.
	// Tell Dana Levi and Zoltan how you feel.
}
