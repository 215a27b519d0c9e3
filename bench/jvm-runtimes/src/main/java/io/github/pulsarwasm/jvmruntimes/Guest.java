package io.github.pulsarwasm.jvmruntimes;

/** One instantiated WebAssembly export of type (i64) -> i64 in one runtime. */
public interface Guest extends AutoCloseable {
    long call(long x);

    @Override
    void close();
}
