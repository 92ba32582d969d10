package io.jvfio.api;

import io.jvfio.abi.ErrnoException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** Which exception a failing system call becomes: one place maps boundary errors to API errors. */
enum Sys {
    IOMMUFD,
    VFIO,
    GENERIC;

    JvfioException wrap(String operation, ErrnoException e) {
        return switch (this) {
            case IOMMUFD -> new IommufdException(operation, e);
            case VFIO -> new VfioException(operation, e);
            case GENERIC -> new JvfioException(operation, e);
        };
    }

    <T> T call(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (ErrnoException e) {
            throw wrap(operation, e);
        }
    }

    long callLong(String operation, LongSupplier call) {
        try {
            return call.getAsLong();
        } catch (ErrnoException e) {
            throw wrap(operation, e);
        }
    }

    void run(String operation, Runnable call) {
        try {
            call.run();
        } catch (ErrnoException e) {
            throw wrap(operation, e);
        }
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
