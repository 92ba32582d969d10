package io.jvfio.conformance;

import io.jvfio.kernel.Kernel;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands a test method or constructor the {@link Kernel} of the selected backend, one per test so
 * emulated tests never share state.
 */
public final class KernelExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KernelExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Kernel.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NS).computeIfAbsent(context.getUniqueId(), id -> Backend.open(), Kernel.class);
    }
}
