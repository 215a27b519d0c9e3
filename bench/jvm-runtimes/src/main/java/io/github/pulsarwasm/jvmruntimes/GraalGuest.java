package io.github.pulsarwasm.jvmruntimes;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * GraalWasm through the polyglot API (25.x: eval gives a module, newInstance() instantiates it).
 * Each guest has its own Context with no shared Engine, so nothing is cached between guests.
 * Kept apart from {@link Runtime} so the other runtimes never load polyglot classes.
 */
final class GraalGuest implements Guest {
    private final Context context;
    private final Value fn;

    private GraalGuest(Context context, Value fn) {
        this.context = context;
        this.fn = fn;
    }

    static Guest open(byte[] wasm, String export, boolean compile) {
        Context.Builder builder = Context.newBuilder("wasm").option("engine.WarnInterpreterOnly", "false");
        if (!compile) {
            builder.allowExperimentalOptions(true).option("engine.Compilation", "false");
        }
        Context context = builder.build();
        try {
            Source source = Source.newBuilder("wasm", ByteSequence.create(wasm), "guest").buildLiteral();
            Value module = context.eval(source);
            Value instance = module.newInstance();
            Value fn = instance.getMember("exports").getMember(export);
            return new GraalGuest(context, fn);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    /** The polyglot implementation in use: tells the optimizing runtime from the fallback one. */
    static String implementation() {
        try (Engine engine = Engine.newBuilder().option("engine.WarnInterpreterOnly", "false").build()) {
            return engine.getImplementationName() + " " + engine.getVersion();
        }
    }

    @Override
    public long call(long x) {
        return fn.execute(x).asLong();
    }

    @Override
    public void close() {
        context.close();
    }
}
