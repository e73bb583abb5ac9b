using Microsoft.AspNetCore.Http;
using Sluice.Security;

namespace Sluice.Faces.Sqs;

/// <summary>Authentication of the SQS face: AWS Signature Version 4, by configured key pairs and the server's credential store.</summary>
internal sealed partial class SqsFace
{
    /// <summary>
    /// Whether every request must carry a valid signature: <see cref="SqsOptions.VerifySignatures"/> is on, or the
    /// server's credential store requires authentication (<see cref="ICredentialStore.Required"/>).
    /// </summary>
    internal bool SignaturesRequired => options.VerifySignatures || credentials?.Required == true;

    /// <summary>A scope serving the rest of the request as <paramref name="principal"/>; nothing when there is none (authentication off).</summary>
    internal static AccessScope Enter(SluicePrincipal? principal) => new(principal is null ? null : SluiceAccess.Enter(principal));

    /// <summary>
    /// Checks the request's SigV4 signature when <see cref="SignaturesRequired"/>; returns who signed it, or
    /// <see langword="null"/> when signatures are not required (any credentials, or none, are accepted).
    /// </summary>
    /// <exception cref="SqsException">
    /// <c>MissingAuthenticationToken</c> (no Authorization header), <c>InvalidSecurity</c> (not SigV4),
    /// <c>SignatureDoesNotMatch</c> (a header that must be signed is not, a wrong signature, a date out of range),
    /// <c>InvalidClientTokenId</c> (an access key id neither configured nor in the credential store); all HTTP 403.
    /// </exception>
    internal async ValueTask<SluicePrincipal?> AuthenticateAsync(HttpRequest request, byte[] body, SqsSignature.Parsed? auth, CancellationToken cancellationToken)
    {
        if (!SignaturesRequired)
        {
            return null;
        }

        if (auth is null)
        {
            var header = request.Headers.Authorization.ToString();
            throw header.Length == 0
                ? new SqsException(SqsError.MissingAuthenticationToken, "Request is missing Authentication Token")
                : new SqsException(SqsError.InvalidSecurity, "The request must be signed with AWS Signature Version 4 (AWS4-HMAC-SHA256).");
        }

        // Before any lookup: a signature that leaves out what selects the action (x-amz-target), the body's type or
        // the host could be replayed as another request, so it proves nothing.
        if (SqsSignature.UnsignedHeader(request, auth) is { } unsigned)
        {
            SqsLog.SignatureRefused(logger, SqsError.SignatureDoesNotMatch.QueryCode, auth.AccessKey);
            throw new SqsException(SqsError.SignatureDoesNotMatch,
                $"The request's '{unsigned}' header is not signed: SignedHeaders ({Validation.Quote(string.Join(';', auth.SignedHeaders))}) must include host, " +
                "content-type when present (a form body's excepted) and every x-amz-* header present.");
        }

        string secret;
        SluicePrincipal principal;
        if (options.Credentials.TryGetValue(auth.AccessKey, out var configured))
        {
            // A configured pair (Sluice:Sqs:Credentials) is an administrator, as the face's only credential was before keys existed.
            secret = configured;
            principal = SluicePrincipal.Administrator("sigv4:" + auth.AccessKey, auth.AccessKey);
        }
        else if (credentials is not null && await credentials.FindSigV4Async(auth.AccessKey, cancellationToken).ConfigureAwait(false) is { } found)
        {
            secret = found.SecretAccessKey;
            principal = found.Principal;
        }
        else
        {
            SqsLog.SignatureRefused(logger, SqsError.InvalidClientTokenId.QueryCode, auth.AccessKey);
            throw new SqsException(SqsError.InvalidClientTokenId, "The security token included in the request is invalid.");
        }

        if (SqsSignature.Verify(request, body, auth, secret, time.GetUtcNow()) is { } refusal)
        {
            SqsLog.SignatureRefused(logger, SqsError.SignatureDoesNotMatch.QueryCode, auth.AccessKey);
            throw new SqsException(SqsError.SignatureDoesNotMatch, refusal);
        }

        return principal;
    }

    /// <summary>The <see cref="SluiceAccess.Enter"/> scope of one request, or nothing.</summary>
    internal readonly struct AccessScope(SluiceAccess.Scope? scope) : IDisposable
    {
        public void Dispose() => scope?.Dispose();
    }
}
