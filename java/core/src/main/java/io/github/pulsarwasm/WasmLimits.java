package io.github.pulsarwasm;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one {@link WasmFunction} may use: a memory cap and a table cap per instance (each calling
 * thread has one), and per call a fuel budget (instructions) and a wall-clock deadline.
 * Immutable; start from {@link #defaults()} and change what you need:
 *
 * <pre>{@code
 * WasmLimits limits = WasmLimits.defaults().withMaxMemoryPages(256).withTimeout(Duration.ofMillis(500));
 * }</pre>
 *
 * <ul>
 *   <li><b>Memory</b>: each memory may grow to {@link #maxMemoryPages()} pages of 64 KiB. At the
 *       cap, {@code memory.grow} returns -1, as the WebAssembly spec allows at any size; most
 *       guests then trap, which throws {@link WasmMemoryLimitException}. A module whose initial
 *       memory is larger than the cap fails to load with {@link WasmLimitException}.
 *   <li><b>Tables</b>: each table may grow to {@link #maxTableElements()} elements; past it
 *       {@code table.grow} returns -1.
 *   <li><b>Fuel</b>: a call may execute {@link #fuelPerCall()} WebAssembly instructions, counted
 *       exactly and the same on every machine; past them it throws
 *       {@link WasmFuelExhaustedException}. Counting costs time (see the README), so it is off by
 *       default.
 *   <li><b>Deadline</b>: a call that runs longer than {@link #timeout()} is stopped and throws
 *       {@link WasmTimeoutException}, within a few milliseconds of the deadline.
 * </ul>
 *
 * After a limit stops a call, the function stays usable: the next call on that thread runs on a
 * fresh instance.
 */
public final class WasmLimits {
    /** 64 MiB per memory. */
    public static final int DEFAULT_MAX_MEMORY_PAGES = 1024;
    /** The most any memory can have: 4 GiB, all that 32-bit addresses reach. */
    public static final int MAX_MEMORY_PAGES = 65_536;
    public static final int DEFAULT_MAX_TABLE_ELEMENTS = 100_000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final WasmLimits DEFAULTS =
            new WasmLimits(DEFAULT_MAX_MEMORY_PAGES, DEFAULT_MAX_TABLE_ELEMENTS, 0, DEFAULT_TIMEOUT);

    private final int maxMemoryPages;
    private final int maxTableElements;
    /** 0 for no count. */
    private final long fuelPerCall;
    /** null for no deadline. */
    private final Duration timeout;

    private WasmLimits(int maxMemoryPages, int maxTableElements, long fuelPerCall, Duration timeout) {
        this.maxMemoryPages = maxMemoryPages;
        this.maxTableElements = maxTableElements;
        this.fuelPerCall = fuelPerCall;
        this.timeout = timeout;
    }

    /**
     * 64 MiB of memory and 100,000 table elements per instance, a 10-second deadline per call
     * and no fuel count.
     */
    public static WasmLimits defaults() {
        return DEFAULTS;
    }

    /** Caps each memory at {@code pages} pages of 64 KiB (1 to {@value #MAX_MEMORY_PAGES}). */
    public WasmLimits withMaxMemoryPages(int pages) {
        if (pages < 1 || pages > MAX_MEMORY_PAGES) {
            throw new IllegalArgumentException(
                    "the memory cap must be 1 to " + MAX_MEMORY_PAGES + " pages of 64 KiB, not " + pages);
        }
        return new WasmLimits(pages, maxTableElements, fuelPerCall, timeout);
    }

    /** Caps each table at {@code elements} elements (at least 1). */
    public WasmLimits withMaxTableElements(int elements) {
        if (elements < 1) {
            throw new IllegalArgumentException("the table cap must be at least 1 element, not " + elements);
        }
        return new WasmLimits(maxMemoryPages, elements, fuelPerCall, timeout);
    }

    /** Lets each call execute at most {@code fuel} WebAssembly instructions (at least 1). */
    public WasmLimits withFuelPerCall(long fuel) {
        if (fuel < 1) {
            throw new IllegalArgumentException("the fuel per call must be at least 1, not " + fuel
                    + " (use withoutFuelLimit() for no count)");
        }
        return new WasmLimits(maxMemoryPages, maxTableElements, fuel, timeout);
    }

    /** Counts no instructions (the default). */
    public WasmLimits withoutFuelLimit() {
        return new WasmLimits(maxMemoryPages, maxTableElements, 0, timeout);
    }

    /** Stops each call that runs longer than {@code timeout} (positive, at least a millisecond). */
    public WasmLimits withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null (use withoutTimeout() for no deadline)");
        if (timeout.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("the timeout must be at least 1 ms, not " + timeout);
        }
        return new WasmLimits(maxMemoryPages, maxTableElements, fuelPerCall, timeout);
    }

    /** Lets calls run as long as they take: a guest in an endless loop then blocks its caller forever. */
    public WasmLimits withoutTimeout() {
        return new WasmLimits(maxMemoryPages, maxTableElements, fuelPerCall, null);
    }

    public int maxMemoryPages() {
        return maxMemoryPages;
    }

    public int maxTableElements() {
        return maxTableElements;
    }

    /** Instructions per call, or empty for no count. */
    public OptionalLong fuelPerCall() {
        return fuelPerCall == 0 ? OptionalLong.empty() : OptionalLong.of(fuelPerCall);
    }

    /** The deadline per call, or empty for none. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    long fuelOrZero() {
        return fuelPerCall;
    }

    long timeoutNanosOrZero() {
        if (timeout == null) {
            return 0;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WasmLimits other
                && maxMemoryPages == other.maxMemoryPages
                && maxTableElements == other.maxTableElements
                && fuelPerCall == other.fuelPerCall
                && Objects.equals(timeout, other.timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxMemoryPages, maxTableElements, fuelPerCall, timeout);
    }

    @Override
    public String toString() {
        return "WasmLimits[memory " + maxMemoryPages + " pages, table " + maxTableElements + " elements, fuel "
                + (fuelPerCall == 0 ? "unlimited" : fuelPerCall + " per call") + ", timeout "
                + (timeout == null ? "none" : timeout.toMillis() + " ms") + "]";
    }
}
