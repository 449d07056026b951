package dev.emringest.credentials;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.CharArrayReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.alias.CredentialProvider;
import org.apache.hadoop.security.alias.CredentialProviderFactory;

/**
 * Writes one secret, read from standard input, into a Hadoop credential store under an alias:
 *
 * <pre>HADOOP_CLASSPATH=spark-job.jar hadoop dev.emringest.credentials.StoreCredential jceks://file/DIR/creds.jceks ALIAS &lt; secret
 * ... StoreCredential jceks://file/DIR/creds.jceks ALIAS --json-key password --fields DIR/source.fields &lt; secret.json</pre>
 *
 * {@code hadoop credential create ALIAS -value SECRET} would put the secret on a command line (visible in
 * {@code ps}); this reads it from stdin, so it is in no process's arguments. One trailing newline (as {@code aws ...
 * --output text} prints) is dropped. With {@code --json-key}, standard input is a Secrets Manager secret (a JSON
 * object): the password is that key's value, and the connection's other fields the secret may hold ({@code username},
 * {@code host}, {@code port}, {@code dbname}, as RDS secrets name them) go to the {@code --fields} file as
 * {@code key=value} lines for the step script, which checks them. It prints nothing about the secret, only the alias
 * and the store; a secret that does not parse is reported without the parser's message, which quotes the input.
 */
public final class StoreCredential {

    /** What a step may take from a secret besides the password: none of them is secret. */
    static final List<String> FIELDS = List.of("username", "host", "port", "dbname");

    private StoreCredential() {}

    public static void main(String[] args) throws IOException {
        boolean json = args.length == 6 && "--json-key".equals(args[2]) && "--fields".equals(args[4]);
        if (!(args.length == 2 || json) || Arrays.stream(args).anyMatch(String::isBlank)) {
            System.err.println("usage: StoreCredential PROVIDER_URI ALIAS [--json-key KEY --fields FILE] < secret");
            System.exit(2);
        }
        char[] secret = readSecret(System.in);
        try {
            if (secret.length == 0) {
                System.err.println("StoreCredential: no secret on standard input");
                System.exit(1);
            }
            if (json) {
                char[] document = secret;
                try {
                    secret = fromJson(document, args[3], Path.of(args[5]));
                } catch (IllegalArgumentException e) {
                    System.err.println("StoreCredential: " + e.getMessage());
                    System.exit(1);
                } finally {
                    Arrays.fill(document, '\0');
                }
            }
            store(args[0], args[1], secret);
        } finally {
            Arrays.fill(secret, '\0');
        }
        System.err.println("StoreCredential: stored alias " + args[1] + " in " + args[0]);
    }

    /**
     * The password under {@code key} of the JSON object {@code document}; writes the other connection fields it holds
     * to {@code fields}, unless null.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the document
     */
    public static char[] fromJson(char[] document, String key, Path fields) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(new CharArrayReader(document));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the secret is not JSON (a Secrets Manager secret of key/value pairs)");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the secret is not a JSON object of key/value pairs");
        }
        JsonNode password = root.get(key);
        if (password == null || !password.isTextual() || password.textValue().isEmpty()) {
            throw new IllegalArgumentException("the secret has no key '" + key + "' holding a non-empty string"
                    + " (the definition's source.secret.passwordKey)");
        }
        StringBuilder lines = new StringBuilder();
        for (String field : FIELDS) {
            JsonNode value = root.get(field);
            if (value == null || value.isNull()) {
                continue;
            }
            if (!(value.isTextual() || value.isIntegralNumber()) || value.asText().chars().anyMatch(c -> c < 0x20)) {
                throw new IllegalArgumentException("the secret's '" + field + "' is not a one-line string or number");
            }
            lines.append(field).append('=').append(value.asText()).append('\n');
        }
        if (fields != null) {
            Files.writeString(fields, lines.toString());
        }
        return password.textValue().toCharArray();
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

    /** The secret on {@code in}, without one trailing newline; the bytes read are zeroed. */
    public static char[] readSecret(InputStream in) throws IOException {
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
