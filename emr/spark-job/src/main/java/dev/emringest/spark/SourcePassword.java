package dev.emringest.spark;

import dev.emringest.credentials.StoreCredential;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;

/**
 * The source database's password, from where the step script put it ({@link JobArguments.Jdbc}): a Hadoop credential
 * store by alias, or this process's standard input. The step script pipes the secret straight from the AWS CLI into
 * the driver's standard input when it needs none of the secret's other fields first: no credential store to write,
 * and no JVM started to write it. Standard input is read once, at the start ({@link #readStandardInput}), and kept for
 * the run's tables; it is never printed.
 */
public final class SourcePassword {

    private static char[] fromStandardInput;

    private SourcePassword() {
    }

    /** The password for {@code jdbc}; the caller zeroes the copy it gets. */
    static char[] of(Configuration conf, JobArguments.Jdbc jdbc) {
        if (jdbc.passwordAlias() != null) {
            return fromStore(conf, jdbc.passwordAlias());
        }
        synchronized (SourcePassword.class) {
            if (fromStandardInput == null) {
                readStandardInput(System.in, jdbc.passwordStdin());
            }
            return fromStandardInput.clone();
        }
    }

    /**
     * Reads the password from {@code in} as {@code --password-stdin} says: {@code text} (one trailing newline dropped,
     * as {@code aws ... --output text} prints it) or {@code json:KEY} (a Secrets Manager secret's key).
     *
     * @throws IllegalStateException when there is none, saying why without quoting the input
     */
    static synchronized void readStandardInput(InputStream in, String format) {
        char[] secret;
        try {
            secret = StoreCredential.readSecret(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the password from standard input: " + e.getMessage());
        }
        if (secret.length == 0) {
            throw new IllegalStateException("no password on standard input (the step script pipes it there from SSM"
                    + " or Secrets Manager)");
        }
        if (format.startsWith("json:")) {
            char[] document = secret;
            try {
                secret = StoreCredential.fromJson(document, format.substring("json:".length()), null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage());
            } finally {
                Arrays.fill(document, '\0');
            }
        }
        fromStandardInput = secret;
    }

    /** The password stored under {@code alias} in the credential store the configuration names. */
    static char[] fromStore(Configuration conf, String alias) {
        char[] password;
        try {
            password = conf.getPassword(alias);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read password alias " + alias + " from the credential store "
                    + conf.get(IngestJob.CREDENTIAL_PROVIDER_PATH), e);
        }
        if (password == null) {
            throw new IllegalStateException("password alias " + alias + " is not in the credential store ("
                    + IngestJob.CREDENTIAL_PROVIDER_PATH + "=" + conf.get(IngestJob.CREDENTIAL_PROVIDER_PATH) + ")");
        }
        return password;
    }
}
