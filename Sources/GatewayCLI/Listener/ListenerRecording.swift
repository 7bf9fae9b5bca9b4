import DiscordGateway
import GatewayServer

/// A listener's `--record` file: made at the first gateway connection (whose query the capture
/// header names; later bots are expected to ask for the same), written record by record, and
/// given up, once and with a message, when writing fails, while the listener goes on.
final class ListenerRecording {
    private let path: String?
    /// What goes on unrecorded when the file fails, for the message: "serving", "relaying".
    private let activity: String
    private let renderer: Renderer
    private var recorder: SessionRecorder?
    private var failed = false

    init(path: String?, activity: String, renderer: Renderer) {
        self.path = path
        self.activity = activity
        self.renderer = renderer
    }

    /// Makes the file, for a listener at `url` whose first connection asked for `query`.
    func start(url: String, query: GatewayConnectionQuery) {
        guard let path, recorder == nil, !failed else { return }
        do {
            recorder = try SessionRecorder(
                path: path, url: url,
                configuration: GatewayConfiguration(url: url, encoding: query.encoding, compression: query.compression),
                secrets: [])
        } catch {
            give(up: error)
        }
    }

    /// Runs `body` on the recorder, if there is one and it has not failed.
    func record(_ body: (SessionRecorder) throws(CaptureError) -> Void) {
        guard let recorder, !failed else { return }
        do {
            try body(recorder)
        } catch {
            give(up: error)
        }
    }

    /// Records bytes connection `id` received at `now`.
    func read(_ bytes: [UInt8], connection id: Int, at now: Duration) {
        record { recorder throws(CaptureError) in
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(CaptureError) in try recorder.read(raw, connection: id, at: now) }
            }
            try result.get()
        }
    }

    /// Finishes the file.
    func close() {
        guard let recorder else { return }
        self.recorder = nil
        do {
            try recorder.close()
        } catch {
            renderer.error("the recording could not be finished: \(error)", offset: nil)
        }
    }

    private func give(up error: any Error) {
        failed = true
        renderer.error("cannot record to \(path ?? ""): \(error); \(activity) goes on unrecorded", offset: nil)
    }
}
