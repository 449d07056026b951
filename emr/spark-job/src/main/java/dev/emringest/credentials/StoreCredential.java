package dev.emringest.credentials;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.alias.CredentialProvider;
import org.apache.hadoop.security.alias.CredentialProviderFactory;

/**
 * Writes one secret, read from standard input, into a Hadoop credential store under an alias:
 *
 * <pre>HADOOP_CLASSPATH=spark-job.jar hadoop dev.emringest.credentials.StoreCredential jceks://file/DIR/creds.jceks ALIAS &lt; secret</pre>
 *
 * {@code hadoop credential create ALIAS -value SECRET} would put the secret on a command line (visible in
 * {@code ps}); this reads it from stdin, so it is in no process's arguments. One trailing newline (as {@code aws ...
 * --output text} prints) is dropped. It prints nothing about the secret, only the alias and the store.
 */
public final class StoreCredential {

    private StoreCredential() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || args[0].isBlank() || args[1].isBlank()) {
            System.err.println("usage: StoreCredential PROVIDER_URI ALIAS < secret");
            System.exit(2);
        }
        char[] secret = readSecret(System.in);
        try {
            if (secret.length == 0) {
                System.err.println("StoreCredential: no secret on standard input");
                System.exit(1);
            }
            store(args[0], args[1], secret);
        } finally {
            Arrays.fill(secret, '\0');
        }
        System.err.println("StoreCredential: stored alias " + args[1] + " in " + args[0]);
    }

    /** Creates (or replaces) {@code alias} in the provider at {@code providerUri} and flushes it. */
    public static void store(String providerUri, String alias, char[] secret) throws IOException {
        Configuration conf = new Configuration(false);
        conf.set(CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH, providerUri);
        List<CredentialProvider> providers = CredentialProviderFactory.getProviders(conf);
        if (providers.size() != 1) {
            throw new IOException("expected one credential provider for " + providerUri + ", got " + providers.size());
        }
        CredentialProvider provider = providers.get(0);
        if (provider.getCredentialEntry(alias) != null) {
            provider.deleteCredentialEntry(alias);
        }
        provider.createCredentialEntry(alias, secret);
        provider.flush();
    }

    static char[] readSecret(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\n') {
            length--;
            if (length > 0 && bytes[length - 1] == '\r') {
                length--;
            }
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length));
            char[] secret = new char[chars.remaining()];
            chars.get(secret);
            Arrays.fill(chars.array(), '\0');
            return secret;
        } catch (CharacterCodingException e) {
            throw new IOException("the secret on standard input is not UTF-8");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
