package io.github.pulsarwasm;

import java.util.concurrent.CompletableFuture;

/**
 * Where a guest's Context calls go (see {@code docs/abi.md}): in Pulsar, the function's
 * {@code Context}; in tests, whatever the test wants to record.
 *
 * <p>Writes ({@link #log}, {@link #recordMetric}, {@link #putState}, {@link #deleteState},
 * {@link #incrCounter}, {@link #publish}) are applied after the guest has returned, in the order
 * it made them, and only for a record that succeeded (log lines and metrics also for one that
 * failed). Reads ({@link #getState}, {@link #getCounter}) are made during the guest's call.
 * Whether the guest may use state or publish to a topic is decided before any of these is
 * called, by the grants the function was built with.
 */
public interface WasmContext {
    /** Levels as the guest gives them. */
    int TRACE = 0, DEBUG = 1, INFO = 2, WARN = 3, ERROR = 4;

    void log(int level, String message);

    default void recordMetric(String name, double value) {}

    /** The state value, or {@code null} when there is none. */
    default byte[] getState(String key) {
        throw new UnsupportedOperationException("this context has no state store");
    }

    default void putState(String key, byte[] value) {
        throw new UnsupportedOperationException("this context has no state store");
    }

    default void deleteState(String key) {
        throw new UnsupportedOperationException("this context has no state store");
    }

    default long getCounter(String key) {
        throw new UnsupportedOperationException("this context has no state store");
    }

    default void incrCounter(String key, long delta) {
        throw new UnsupportedOperationException("this context has no state store");
    }

    /**
     * Publishes a record to {@code topic} (fully qualified). The record counts as handled only
     * when the returned future completes.
     */
    default CompletableFuture<?> publish(String topic, WasmOutputRecord record) {
        throw new UnsupportedOperationException("this context cannot publish");
    }

    /** Log lines to a {@link System.Logger} named after the guest; nothing else is supported. */
    static WasmContext logging(String name) {
        System.Logger logger = System.getLogger(name);
        return (level, message) -> logger.log(switch (level) {
            case TRACE -> System.Logger.Level.TRACE;
            case DEBUG -> System.Logger.Level.DEBUG;
            case INFO -> System.Logger.Level.INFO;
            case WARN -> System.Logger.Level.WARNING;
            default -> System.Logger.Level.ERROR;
        }, message);
    }
}
