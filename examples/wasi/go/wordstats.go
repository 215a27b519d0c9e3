// wordstats, in Go with its standard library (map, sort, fmt): the same function as
// wordstats.c. fmt.Printf goes to the function's log through WASI stdout.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o wordstats_go.wasm .
package main

import (
	"fmt"
	"sort"
	"strings"

	"pulsarwasm.io/sdk/pulsar"
)

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func wordstats(value []byte) ([]byte, error) {
	counts := map[string]int{}
	total := 0
	start := -1
	lower := append([]byte(nil), value...)
	for i, c := range lower {
		if c >= 'A' && c <= 'Z' {
			lower[i] = c + 32
		}
	}
	for i := 0; i <= len(lower); i++ {
		if i == len(lower) || isSpace(lower[i]) {
			if start >= 0 {
				counts[string(lower[start:i])]++
				total++
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(a, b int) bool {
		if counts[words[a]] != counts[words[b]] {
			return counts[words[a]] > counts[words[b]]
		}
		return words[a] < words[b]
	})
	var out strings.Builder
	fmt.Fprintf(&out, "total=%d unique=%d top=", total, len(words))
	for i, w := range words {
		if i == 3 {
			break
		}
		if i > 0 {
			out.WriteByte(',')
		}
		fmt.Fprintf(&out, "%s:%d", w, counts[w])
	}
	fmt.Printf("wordstats: %d words, %d distinct\n", total, len(words))
	return []byte(out.String()), nil
}

func init() { pulsar.HandleBytes(wordstats) }

func main() {}
