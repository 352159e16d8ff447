import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

extension Schemas {
    /// CloudStack's `VolumeMetricsResponse`: a volume with its size in GB and disk counters.
    /// The Simulator reports no disk statistics yet, so the counters are zero.
    static let volumeMetrics = ResponseSchema<VolumeListItem>(objectName: "volume", fields: volume.fields + [
        .string("sizegb", "the size of the volume in GB") { String(format: "%.2f GB", Double($0.volume.size) / 1_073_741_824) },
        // Hosts report disk traffic per instance (listVirtualMachinesMetrics), not per volume
        // yet: these stay absent rather than show made-up zeros.
        .long("diskkbsread", "the kilobytes read from the volume (not measured per volume yet)") { _ in nil },
        .long("diskkbswrite", "the kilobytes written to the volume (not measured per volume yet)") { _ in nil },
        .long("diskioread", "the read operations on the volume (not measured per volume yet)") { _ in nil },
        .long("diskiowrite", "the write operations on the volume (not measured per volume yet)") { _ in nil },
        .long("diskiopstotal", "the read and write operations on the volume (not measured per volume yet)") { _ in nil },
    ])
}
