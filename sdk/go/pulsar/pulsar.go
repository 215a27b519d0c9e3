//go:build wasip1

// Package pulsar is the Go SDK for pulsar-wasm guests, ABI v1 (docs/abi.md): it exports the
// entry points a bytes guest needs and wraps the host functions of pulsar_v1.
//
// A function is a reactor built with Go 1.24 or later:
//
//	package main
//
//	import "pulsarwasm.io/sdk/pulsar"
//
//	func init() {
//		pulsar.HandleBytes(func(value []byte) ([]byte, error) { return value, nil })
//	}
//
//	func main() {}
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o fn.wasm .
//
// fmt.Println and the log package write to stdout and stderr, which the host turns into log
// lines of the record being processed; Log writes one directly, with a level.
//
// Memory: the host writes each input into a buffer it asked the guest for (pulsar_alloc),
// kept here until the host frees it (pulsar_free), so Go's collector never moves or frees
// it under the host. A handler's output is kept until the next record.
package pulsar

import (
	"errors"
	"unsafe"
)

// Handler turns a message value into an output value: nil filters the message out; an error
// fails it (the host's WasmGuestException; in Pulsar the message is retried or dead-lettered).
type Handler func(value []byte) ([]byte, error)

var (
	handler Handler
	// Buffers the host holds, by address: alive until pulsar_free.
	buffers = map[uint32][]byte{}
	// The last output or error text, alive until the host has copied it.
	lastOutput []byte
	// One byte to point at for an empty output (a zero pointer would mean "filtered").
	empty = []byte{0}
)

// HandleBytes sets the function; call it from an init function.
func HandleBytes(h Handler) { handler = h }

// Log levels.
const (
	Trace = 0
	Debug = 1
	Info  = 2
	Warn  = 3
	Error = 4
)

//go:wasmimport pulsar_v1 log
func hostLog(level int32, ptr uint32, length uint32) int32

//go:wasmimport pulsar_v1 config_get
func hostConfigGet(keyPtr, keyLen, buf, capacity uint32) int32

//go:wasmimport pulsar_v1 result_get
func hostResultGet(buf, capacity uint32) int32

//go:wasmimport pulsar_v1 counter_incr
func hostCounterIncr(keyPtr, keyLen uint32, delta int64) int32

// ErrNotFound is a config key that is not set.
var ErrNotFound = errors.New("pulsar: not found")

// Log writes a log line at a level (Trace..Error) to the function's logger.
func Log(level int32, message string) {
	b := []byte(message)
	hostLog(level, addr(b), uint32(len(b)))
}

// Config returns the value of a user-config key (strings as they are, other values as JSON).
func Config(key string) (string, error) {
	k := []byte(key)
	buf := make([]byte, 256)
	n := hostConfigGet(addr(k), uint32(len(k)), addr(buf), uint32(len(buf)))
	if n == -1 {
		return "", ErrNotFound
	}
	if n < 0 {
		return "", statusError(n)
	}
	if int(n) > len(buf) {
		buf = make([]byte, n)
		if m := hostResultGet(addr(buf), uint32(len(buf))); m < 0 {
			return "", statusError(m)
		}
	}
	return string(buf[:n]), nil
}

// IncrCounter adds delta to a counter (needs the state grant).
func IncrCounter(key string, delta int64) error {
	k := []byte(key)
	if s := hostCounterIncr(addr(k), uint32(len(k)), delta); s < 0 {
		return statusError(s)
	}
	return nil
}

type statusError int32

func (s statusError) Error() string {
	switch s {
	case -1:
		return "pulsar: not found"
	case -2:
		return "pulsar: bad argument"
	case -3:
		return "pulsar: not permitted (not granted in the function's config)"
	case -4:
		return "pulsar: unavailable here"
	case -5:
		return "pulsar: host error"
	case -6:
		return "pulsar: too large"
	}
	return "pulsar: host status " + itoa(int(s))
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func addr(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

//go:wasmexport pulsar_abi_version_1
func abiVersion1() {}

//go:wasmexport pulsar_alloc
func alloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	b := make([]byte, size)
	p := addr(b)
	buffers[p] = b
	return p
}

//go:wasmexport pulsar_free
func free(ptr, size uint32) { delete(buffers, ptr) }

//go:wasmexport pulsar_process
func process(ptr, length uint32) uint64 {
	if handler == nil {
		return fail("pulsar: no handler: call pulsar.HandleBytes in an init function")
	}
	input := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), length)
	out, err := handler(input)
	if err != nil {
		return fail(err.Error())
	}
	if out == nil {
		return 0
	}
	lastOutput = out
	p := addr(out)
	if p == 0 {
		p = addr(empty)
	}
	return uint64(len(out))<<32 | uint64(p)
}

func fail(message string) uint64 {
	lastOutput = []byte(message)
	return 1<<63 | uint64(len(lastOutput))<<32 | uint64(addr(lastOutput))
}
