package io.github.pulsarwasm.pulsar;

import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.common.schema.SchemaInfo;

/**
 * {@code Schema.INT64} under a class name the functions worker accepts, so a
 * {@code Function<Long, Long>} serves producers and consumers that use {@code Schema.INT64}:
 *
 * <pre>
 * --input-specs '{"in": {"schemaType": "io.github.pulsarwasm.pulsar.Int64Schema"}}'
 * --schema-type io.github.pulsarwasm.pulsar.Int64Schema
 * </pre>
 *
 * <p>Why it is needed (Pulsar 4.0.8, and 3.0.7 alike): with no schema configured, a
 * {@code Function<Long, Long>} registers JSON on its topics, so an INT64 producer is refused;
 * the name {@code INT64} is accepted by validation but the function instance has no case for it
 * ("Unsupported schema type"); and the client's own {@code LongSchema} class fails validation.
 * This class only delegates to the client API, which is all that user code sees in the worker's
 * process runtime.
 */
public class Int64Schema implements Schema<Long> {
    @Override
    public byte[] encode(Long message) {
        return Schema.INT64.encode(message);
    }

    @Override
    public Long decode(byte[] bytes) {
        return Schema.INT64.decode(bytes);
    }

    @Override
    public SchemaInfo getSchemaInfo() {
        return Schema.INT64.getSchemaInfo();
    }

    @Override
    public Schema<Long> clone() {
        return this;
    }
}
