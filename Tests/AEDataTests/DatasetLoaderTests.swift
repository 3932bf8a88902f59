import Foundation
import Testing
import AEData
import Compression

@Suite struct DatasetLoaderTests {
    @Test("gzip is recognised by its magic whatever the file is called")
    func gzipByContent() throws {
        try withTemporaryDirectory { folder in
            let url = folder.appendingPathComponent("vectors.csv")  // gzipped, but no .gz
            try Data(Gzip.compress(Array("1,2\n3,4\n".utf8))).write(to: url)
            let dataset = try DatasetLoader.load(contentsOf: url)
            #expect(dataset.values == [1, 2, 3, 4])
            #expect(dataset.source == "vectors.csv")
        }
    }

    @Test("an explicit format wins over the name, and limit keeps the first samples")
    func explicitFormatAndLimit() throws {
        let dataset = try DatasetLoader.load(bytes: Array("[[1], [2], [3]]".utf8), source: "body", format: .json, limit: 2)
        #expect(dataset.values == [1, 2])
        #expect(try DatasetLoader.load(bytes: Array("a\n5\n".utf8), source: "x.csv", hasHeader: true).values == [5])
    }

    @Test("a name that implies no format is refused, listing what is accepted")
    func unknownFormat() {
        expectDataError(.unsupported, containing: ["data.txt", "-idx3-ubyte", ".npy", ".csv", ".json", ".gz", "idx, npy, csv, json"]) {
            _ = try DatasetLoader.load(bytes: [1, 2, 3], source: "data.txt")
        }
    }

    @Test("reader errors inside a gzipped file say the offset is in the gunzipped data")
    func errorsInGzippedFiles() {
        let bytes = Gzip.compress([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7])
        expectDataError(.malformed, containing: ["x-idx1-ubyte.gz (gunzipped)", "byte 0", "magic"]) {
            _ = try DatasetLoader.load(bytes: bytes, source: "x-idx1-ubyte.gz")
        }
    }

    @Test("a truncated or corrupt gzip file is a DataError naming the file, the byte and the problem")
    func badGzipFiles() {
        let compressed = Gzip.compress(Array(String(repeating: "1,2,3\n", count: 2000).utf8))
        let cut = Array(compressed[..<(compressed.count / 2)])
        expectDataError(.truncated, containing: ["cut.csv.gz", "byte \(cut.count)", "the file is truncated"]) {
            _ = try DatasetLoader.load(bytes: cut, source: "cut.csv.gz")
        }
        var flipped = compressed
        flipped[flipped.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        expectDataError(.corrupt, containing: ["bad.csv.gz", "byte ", "incorrect data check"]) {
            _ = try DatasetLoader.load(bytes: flipped, source: "bad.csv.gz")
        }
    }

    @Test("maxBytes bounds both the file and the gunzipped data")
    func maxBytes() throws {
        let zeros = [UInt8](repeating: 0, count: 10_000)
        expectDataError(.tooLarge, containing: ["z.csv", "limit of 1000 bytes"]) {
            _ = try DatasetLoader.load(bytes: Gzip.compress(zeros), source: "z.csv", maxBytes: 1000)
        }
        try withTemporaryDirectory { folder in
            let url = folder.appendingPathComponent("z.csv")
            try Data(zeros).write(to: url)
            expectDataError(.tooLarge, containing: ["z.csv", "10000 bytes", "limit is 1000 bytes"]) {
                _ = try DatasetLoader.load(contentsOf: url, maxBytes: 1000)
            }
        }
    }

    @Test("a missing file is reported as unreadable with its path")
    func missingFile() {
        expectDataError(.unreadable, containing: ["nope.npy", "/nonexistent/nope.npy"]) {
            _ = try DatasetLoader.load(contentsOf: URL(fileURLWithPath: "/nonexistent/nope.npy"))
        }
    }
}

/// The real Fashion-MNIST files of Debian's dataset-fashion-mnist package.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
                "needs dataset-fashion-mnist: run scripts/bootstrap.sh"))
struct FashionMNISTTests {
    static let folder = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    // Pixel values obtained once with Python:
    //   d = gzip.open(path).read(); px = d[16:]; px[image * 784 + pixel]
    // and divided by 255 here, as the reader does.
    @Test("the training images load as 60000 × 784 in [0, 1] with the expected pixels")
    func trainImages() throws {
        let start = ContinuousClock.now
        let dataset = try DatasetLoader.load(contentsOf: Self.folder.appendingPathComponent("train-images-idx3-ubyte.gz"))
        print("Fashion-MNIST train-images-idx3-ubyte.gz loaded in \(ContinuousClock.now - start)")
        #expect(dataset.count == 60000 && dataset.dimension == 784)
        #expect(dataset.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(dataset.values[0 * 784 + 0] == 0)
        #expect(dataset.values[0 * 784 + 406] == Float(217) / 255)
        #expect(dataset.values[0 * 784 + 100] == Float(73) / 255)
        #expect(dataset.values[1234 * 784 + 400] == Float(170) / 255)
        #expect(dataset.values[59999 * 784 + 300] == Float(19) / 255)
        #expect(dataset[0].reduce(0) { $0 + Double($1 * 255).rounded() } == 76247)  // sum of image 0's bytes
    }

    @Test("the test images load as 10000 × 784 in [0, 1] with the expected pixels")
    func testImages() throws {
        let dataset = try DatasetLoader.load(contentsOf: Self.folder.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        #expect(dataset.count == 10000 && dataset.dimension == 784)
        #expect(dataset.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(dataset.values[0 * 784 + 406] == Float(110) / 255)
        #expect(dataset.values[1234 * 784 + 400] == Float(10) / 255)
        #expect(dataset.values[9999 * 784 + 300] == Float(71) / 255)
        #expect(dataset[0].reduce(0) { $0 + Double($1 * 255).rounded() } == 33456)
    }

    @Test("the default data roots resolve the package's relative path")
    func defaultRoots() throws {
        let url = try DataRoots().resolve("fashion-mnist/t10k-labels-idx1-ubyte.gz")
        let labels = try DatasetLoader.load(contentsOf: url, limit: 5)
        #expect(labels.count == 5 && labels.dimension == 1)
    }
}
