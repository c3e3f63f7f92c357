import Foundation
import Hummingbird

extension StrataServer {
    /// Runs a generation handler, cancelling it when the client closes its connection before the
    /// handler returns. A non-streaming completion waits in the handler for its whole text, so a
    /// client that gives up cancels that wait, which ends its generation stream: the scheduler
    /// drops the sequence and frees its cache. (A streaming response notices on its next write.)
    ///
    /// Hummingbird watches for the close by reading the connection past the request, so the
    /// connection is not reused afterwards: the response (or error) says `Connection: close`.
    ///
    /// ```swift
    /// router.post("/v1/completions") { request, _ in try await self.cancellingOnClose(request, self.completions) }
    /// ```
    func cancellingOnClose(_ request: Request, _ handler: (Request) async throws -> Response) async throws -> Response {
        try checkDeclaredLength(request)       // 413 at once, before any of a large body is read
        do {
            var response = try await request.body.consumeWithCancellationOnInboundClose { body in
                try await handler(Request(head: request.head, body: RequestBody(buffer: try await wholeBody(body))))
            }
            response.headers[.connection] = "close"
            return response
        } catch var error as APIError {
            error.headers[.connection] = "close"
            throw error
        } catch is CancellationError {
            throw Self.cancelledError
        }
    }

    /// Reads `body` to its end (the task feeding it waits until it is read), keeping at most
    /// `maxBodyBytes`; throws 413 after the end when it was longer.
    private func wholeBody(_ body: RequestBody) async throws -> ByteBuffer {
        var kept = ByteBuffer(), tooLarge = false
        for try await piece in body where !tooLarge {
            tooLarge = kept.readableBytes + piece.readableBytes > options.maxBodyBytes
            if !tooLarge { kept.writeImmutableBuffer(piece) }
        }
        if tooLarge { throw APIError.tooLarge(limit: options.maxBodyBytes) }
        return kept
    }
}
