// libFuzzer target: any bytes as a POST /train-job body, through the JSON checks, the Codable
// request types and the job validator with the service's default limits. Each input must be
// refused with a 4xx naming what is wrong, or accepted as a request within every limit; never
// a crash, a trap on arithmetic, or a 5xx.
import AEData
import AEModel
import AETraining
@testable import AEService
import Foundation

private let roots = DataRoots([URL(fileURLWithPath: FileManager.default.temporaryDirectory.path)])
// No uploaded datasets: an `{"id": …}` dataset or labels is refused as unknown, as on a server without them.
private let validator = JobValidator(limits: JobLimits(), dataRoots: roots, uploads: { _ in nil }) { name, version throws(JobError) in
    guard name == "base", version == 1 else { throw .invalid(code: "unknown_base_version", message: "no such version") }
    return 8
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrainJob(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let request = try decodeStrictJSON(TrainingJobRequest.self, from: body)
        do {
            try validator.validate(request)
            // Accepted: everything a worker will compute from it is within the limits.
            let limits = JobLimits()
            precondition(request.training.epochs <= limits.maxEpochs)
            if let architecture = request.architecture {
                let size = architecture.size
                precondition((size.parameters ?? .max) <= limits.maxParameters)
                precondition(architecture.encoder.count + architecture.decoder.count <= limits.maxLayers)
                _ = TrainingRun.estimatedMemory(architecture: architecture, samples: request.dataset.vectors?.count ?? 60_000,
                                                batchSize: request.training.batchSize)
            }
        } catch {
            let answer = APIError(error)
            precondition((400..<500).contains(answer.status) && !answer.message.isEmpty, "unexpected \(answer)")
        }
    } catch {
        precondition((400..<500).contains(error.status) && !error.message.isEmpty, "unexpected \(error)")
    }
    return 0
}
