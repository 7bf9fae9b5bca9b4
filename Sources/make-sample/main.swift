import GatewayCLI

// Writes the sample session files into the directory given (default: samples).
let arguments = CommandLine.arguments.dropFirst()
let directory = arguments.first ?? "samples"
do {
    try SampleSession.write(to: directory)
    print("wrote \(SampleSession.recordingName), \(SampleSession.rawDumpName), \(SampleSession.framesDumpName) in \(directory)")
} catch {
    print("make-sample: \(error)")
    throw error
}
