// The deployment manifests under deploy/, validated offline by scripts/check-manifests.py:
// Kubernetes kinds against the official schemas, KServe kinds against the CRDs of a named
// release (scripts/fixtures/kserve-v0.20.0), both strict, then the topology the README states.
import AETestSupport
import Foundation
import Testing

@Suite("Deployment manifests")
struct DeployTests {
    static let deploy = TestEnvironment.packageRoot.appendingPathComponent("deploy")

    @Test("The Kubernetes and KServe manifests validate strictly and route as the README says", .timeLimit(.minutes(3)))
    func manifestsAreValid() throws {
        let result = try Self.checkManifests(Self.deploy.appendingPathComponent("kubernetes"),
                                             Self.deploy.appendingPathComponent("kserve"))
        #expect(result.status == 0, "check-manifests.py failed:\n\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("resources valid"), "unexpected output: \(result.stdout)")
    }

    @Test("The check refuses fields and types the API server would refuse, in Kubernetes and KServe kinds",
          .timeLimit(.minutes(3)))
    func schemaErrorsAreFound() throws {
        let folder = try Self.copyOfManifests(edits: [
            "kubernetes/serving.yaml": [("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true")],
            "kserve/inferenceservice.yaml": [("runtime: aeserve", "runtime: aeserve\n      runtimeName: aeserve")],
            "kserve/servingruntime.yaml": [("priority: 1", "priority: high")],
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.checkManifests(folder.appendingPathComponent("kubernetes"), folder.appendingPathComponent("kserve"))
        #expect(result.status == 1)
        for expected in ["Deployment/aeserve-serving (Kubernetes 1.30.0): spec.template.spec.containers.0.securityContext",
                         "'readOnlyRootFileSystem' was unexpected",
                         "InferenceService/fashion-mnist: spec.predictor.model: Additional properties are not allowed ('runtimeName'",
                         "ClusterServingRuntime/aeserve: spec.supportedModelFormats.0.priority: 'high' is not of type 'integer'"] {
            #expect(result.stderr.contains(expected), "no \"\(expected)\" in:\n\(result.stderr)")
        }
    }

    @Test("The check refuses a grace period inside the drain, a rolling trainer and training routed to the replicas",
          .timeLimit(.minutes(3)))
    func topologyErrorsAreFound() throws {
        let folder = try Self.copyOfManifests(edits: [
            "kubernetes/trainer.yaml": [("terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 20"),
                                        ("type: Recreate", "type: RollingUpdate")],
            "kubernetes/ingress.yaml": [("path: /train-job\n", "path: /train-jobs\n")],
            "kubernetes/serving.yaml": [("value: \"false\"", "value: \"true\"")],
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.checkManifests(folder.appendingPathComponent("kubernetes"))
        #expect(result.status == 1)
        for expected in ["Deployment/aeserve-trainer container aeserve: terminationGracePeriodSeconds (20) must exceed the drain (20 s)",
                         "Deployment/aeserve-trainer: must have 1 replica and strategy Recreate",
                         "Ingress/aeserve: /train-job goes to aeserve (serving), expected the trainer",
                         "AESERVE_TRAINING_ENABLED must be \"false\""] {
            #expect(result.stderr.contains(expected), "no \"\(expected)\" in:\n\(result.stderr)")
        }
    }

    /// Runs scripts/check-manifests.py on the folders with the project's Python.
    static func checkManifests(_ folders: URL...) throws -> CommandResult {
        let python = try #require(TestEnvironment.python, "no Python with the test tools: run scripts/bootstrap.sh")
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/check-manifests.py")
        return try runTool(python.path, [script.path] + folders.map(\.path))
    }

    /// A temporary copy of deploy/ with each file's (old, new) replacements made; each old text
    /// must be there, so that a test never passes on an edit that did not happen.
    static func copyOfManifests(edits: [String: [(String, String)]]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aeserve-deploy-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: deploy, to: folder)
        for (file, replacements) in edits {
            let url = folder.appendingPathComponent(file)
            var text = try String(contentsOf: url, encoding: .utf8)
            for (old, new) in replacements {
                let range = try #require(text.range(of: old), "\(file) has no \"\(old)\"")
                text.replaceSubrange(range, with: new)
            }
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return folder
    }
}
