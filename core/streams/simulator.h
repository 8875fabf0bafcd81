#pragma once

#include "core/base/cancellation.h"
#include "core/base/result.h"
#include "core/ml/dataset.h"
#include "core/streams/endpoint.h"

#include <QMetaType>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>

namespace millrace::streams {

/// Where the stream simulator draws its records from: labelled samples (seed 000's
/// stream-holdout) and how to write one as a JSON record.
struct SimulatorSource
{
    std::shared_ptr<const ml::Dataset> samples;
    /// Record field names; they match the default record layout the drain reads.
    QString idField = QStringLiteral("id");
    QString featuresField = QStringLiteral("image");
    QString labelField = QStringLiteral("label");
    /// Feature values are written as round(value * scale): 255 turns Fashion-MNIST's [0, 1]
    /// pixels back into the 0-255 integers of the original files (and keeps messages small).
    double scale = 255.0;
    /// Prefix of the message ids, e.g. "fmnist"; an id is "<prefix>-<sample>-<sequence>".
    QString idPrefix = QStringLiteral("sample");
};

/// What to publish, how fast and for how long.
struct SimulatorRequest
{
    QString topic;
    SimulatorSource source;
    /// Messages per second, > 0.
    double rate = 10;
    /// Stop after this many messages; 0 runs until cancelled.
    std::int64_t count = 0;
    /// Seeds the random draw of samples (with replacement, like the seed's producer).
    std::uint64_t seed = 1;
};

/// How far a simulator run got.
struct SimulatorStatus
{
    bool running = false;
    std::int64_t sent = 0;
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
    /// Achieved messages per second over the run so far.
    double rate = 0;
    /// The last failure; empty when none.
    QString error;
};

/// The record the simulator publishes for sample `index` of `source`, as compact JSON:
/// {"id": "...", "image": [0, 12, ...], "label": 3}.
QByteArray simulatorRecord(const SimulatorSource &source, std::size_t index, std::int64_t sequence);

/// Publishes records drawn at random from `request.source` to `request.topic` at the requested
/// rate until `count` were sent or `cancel` is set, then waits for the deliveries. Blocks: run it
/// on a worker thread. `progress` is called about every 250 ms on that thread.
Result<SimulatorStatus> runSimulator(const ClusterEndpoint &endpoint,
                                     const SimulatorRequest &request,
                                     const CancellationToken &cancel,
                                     const std::function<void(const SimulatorStatus &)> &progress);

} // namespace millrace::streams

Q_DECLARE_METATYPE(millrace::streams::SimulatorStatus)
