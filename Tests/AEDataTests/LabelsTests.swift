// Class labels from IDX, NPY and CSV, and selecting the samples of some classes; every
// refusal names the file and the index.
import AEData
import Foundation
import Testing

@Suite("Labels and class selection")
struct LabelsTests {
    /// An idx1 file of uint8 labels.
    static func idx1(_ labels: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, 1]
        bytes.appendBigEndian(UInt32(labels.count))
        return bytes + labels
    }

    @Test("the real Fashion-MNIST label files read as 60000 and 10000 labels of classes 0–9, not scaled")
    func fashionMNIST() throws {
        let folder = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
        let train = try LabelReader.load(contentsOf: folder.appendingPathComponent("train-labels-idx1-ubyte.gz"))
        let test = try LabelReader.load(contentsOf: folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        #expect(train.values.count == 60000 && test.values.count == 10000)
        #expect(train.classes == Array(0...9) && test.classes == Array(0...9))
        #expect(train.source == "train-labels-idx1-ubyte.gz")
        // The first test image is an ankle boot (class 9), as the dataset documents.
        #expect(test.values[0] == 9)
    }

    @Test("NPY labels of every integer dtype, byte order and float dtypes holding whole numbers agree with NumPy")
    func npyDtypes() throws {
        try withTemporaryDirectory { folder in
            try Python.run("""
                import sys, numpy as np
                folder = sys.argv[1]
                a = np.array([3, 0, 7, 255, 9, 1])
                for dtype in ["<i8", ">i8", "<i4", "<i2", "<u2", "|u1", "<u8", "<f4", ">f8"]:
                    np.save(folder + "/" + dtype.replace("<", "le").replace(">", "be").replace("|", "") + ".npy", a.astype(dtype))
                np.save(folder + "/column.npy", a.reshape(6, 1))
                np.save(folder + "/negative.npy", np.array([-1, 1, -1], dtype=np.int8))
                np.save(folder + "/half.npy", np.array([1.0, 2.5, 3.0]))
                np.save(folder + "/big.npy", np.array([1, 2**40]))
                np.save(folder + "/matrix.npy", np.zeros((3, 2), dtype=np.int64))
                np.save(folder + "/bool.npy", np.array([True, False]))
                """, arguments: [folder.path])
            for name in ["lei8", "bei8", "lei4", "lei2", "leu2", "u1", "leu8", "lef4", "bef8", "column"] {
                let labels = try LabelReader.load(contentsOf: folder.appendingPathComponent("\(name).npy"))
                #expect(labels.values == [3, 0, 7, 255, 9, 1], "\(name)")
            }
            #expect(try LabelReader.load(contentsOf: folder.appendingPathComponent("negative.npy")).values == [-1, 1, -1])
            expectDataError(.labels, containing: ["half.npy", "row 1", "2.5", "not an integer"]) {
                _ = try LabelReader.load(contentsOf: folder.appendingPathComponent("half.npy"))
            }
            expectDataError(.labels, containing: ["big.npy", "row 1", "1099511627776"]) {
                _ = try LabelReader.load(contentsOf: folder.appendingPathComponent("big.npy"))
            }
            expectDataError(.labels, containing: ["matrix.npy", "[3, 2]"]) {
                _ = try LabelReader.load(contentsOf: folder.appendingPathComponent("matrix.npy"))
            }
            expectDataError(.unsupported, containing: ["bool.npy", "'|b1'"]) {
                _ = try LabelReader.load(contentsOf: folder.appendingPathComponent("bool.npy"))
            }
        }
    }

    @Test("IDX labels: uint8 as they are, int32, and a rank-2 image file refused")
    func idx() throws {
        #expect(try LabelReader.read(Self.idx1([0, 9, 255]), format: .idx, source: "l.idx").values == [0, 9, 255])
        var int32: [UInt8] = [0, 0, 0x0C, 1]
        int32.appendBigEndian(2)
        int32.appendBigEndian(70000)
        int32.appendBigEndian(UInt32(bitPattern: -4))
        #expect(try LabelReader.read(int32, format: .idx, source: "l.idx").values == [70000, -4])
        var images: [UInt8] = [0, 0, 0x08, 2]
        images.appendBigEndian(2)
        images.appendBigEndian(3)
        images += [UInt8](repeating: 0, count: 6)
        expectDataError(.labels, containing: ["images.idx", "[2, 3]"]) {
            _ = try LabelReader.read(images, format: .idx, source: "images.idx")
        }
        expectDataError(.truncated, containing: ["short.idx"]) {
            _ = try LabelReader.read(Array(Self.idx1([1, 2, 3]).dropLast()), format: .idx, source: "short.idx")
        }
    }

    @Test("CSV labels: the only column, a column by number or header name; non-integers named by line")
    func csv() throws {
        #expect(try LabelReader.read(Array("3\n1\n4\n".utf8), format: .csv, source: "l.csv").values == [3, 1, 4])
        let table = Array("label,x,y\n2,0.5,0.1\n7,0.2,0.3\n".utf8)
        #expect(try LabelReader.read(table, format: .csv, source: "t.csv", column: .name("label")).values == [2, 7])
        #expect(try LabelReader.read(table, format: .csv, source: "t.csv", column: .index(0)).values == [2, 7])
        expectDataError(.labels, containing: ["t.csv", "3 columns", "name the label column"]) {
            _ = try LabelReader.read(table, format: .csv, source: "t.csv")
        }
        expectDataError(.labels, containing: ["t.csv", "row 0", "0.5", "not an integer"]) {
            _ = try LabelReader.read(table, format: .csv, source: "t.csv", column: .index(1))
        }
        expectDataError(.labels, containing: ["'klass'", "'label', 'x', 'y'"]) {
            _ = try LabelReader.read(table, format: .csv, source: "t.csv", column: .name("klass"))
        }
        expectDataError(.labels, containing: ["column 5", "3 columns"]) {
            _ = try LabelReader.read(table, format: .csv, source: "t.csv", column: .index(5))
        }
        expectDataError(.labels, containing: ["only for CSV"]) {
            _ = try LabelReader.read(Self.idx1([1]), format: .idx, source: "l.idx", column: .index(0))
        }
    }

    @Test("selecting classes keeps exactly the samples of those classes, in order")
    func selecting() throws {
        let data = try Dataset(vectors: (0..<6).map { [Float($0), Float($0) / 10] }, source: "d.csv")
        let labels = try Labels([1, 3, 1, 2, 3, 1], source: "l.csv")
        let kept = try data.selecting(classes: [3, 2], labels: labels)
        #expect(kept.count == 3 && kept.dimension == 2)
        #expect(kept.values == [1, 0.1, 3, 0.3, 4, 0.4])
        #expect(kept.source == "d.csv")
    }

    @Test("a label count that differs from the sample count, unknown classes and an empty class list are refused")
    func selectionRefusals() throws {
        let data = try Dataset(vectors: (0..<4).map { [Float($0)] }, source: "images.npy")
        expectDataError(.labels, containing: ["labels.npy", "3 labels", "images.npy", "4 samples"]) {
            _ = try data.selecting(classes: [1], labels: Labels([1, 1, 2], source: "labels.npy"))
        }
        expectDataError(.labels, containing: ["labels.npy", "classes[1] is 12", "classes 1, 2"]) {
            _ = try data.selecting(classes: [1, 12], labels: Labels([1, 1, 2, 2], source: "labels.npy"))
        }
        expectDataError(.labels, containing: ["classes is empty"]) {
            _ = try data.selecting(classes: [], labels: Labels([1, 1, 2, 2], source: "labels.npy"))
        }
    }
}
