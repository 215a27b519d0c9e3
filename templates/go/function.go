// A Pulsar function in Go: greets the name in each message ("Ada" -> "Hello, Ada!").
// ABI v1 as a WASI reactor: the SDK (./sdk) exports the entry points; Go's runtime starts once
// per instance. Build: ./build.sh out/function.wasm
package main

import (
	"errors"

	"pulsarwasm.io/sdk/pulsar"
)

func greet(name []byte) ([]byte, error) {
	// An error fails this message only (Java gets a WasmGuestException); a panic would also
	// throw the instance away.
	if len(name) == 0 {
		return nil, errors.New("empty name")
	}

	greeting, err := pulsar.Config("greeting")
	if errors.Is(err, pulsar.ErrNotFound) {
		greeting = "Hello"
	} else if err != nil {
		return nil, err
	}

	pulsar.Log(pulsar.Info, "greeted "+string(name))
	// Needs the state grant; without it the host refuses (NOT_PERMITTED) and warns once, and
	// the greeting still goes out.
	_ = pulsar.IncrCounter("greeted", 1)

	return []byte(greeting + ", " + string(name) + "!"), nil
}

func init() { pulsar.HandleBytes(greet) }

// A reactor's main is never called: the host calls the SDK's exports.
func main() {}
