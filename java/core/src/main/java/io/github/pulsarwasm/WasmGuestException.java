package io.github.pulsarwasm;

/**
 * The guest reported that it could not handle the record (its {@code pulsar_process} returned
 * an error message). The record's effects other than log lines and metrics are dropped; the
 * guest's instance is kept.
 */
public class WasmGuestException extends WasmException {
    private static final long serialVersionUID = 1L;

    public WasmGuestException(String message) {
        super(message);
    }
}
