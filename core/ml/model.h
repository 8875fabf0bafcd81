#pragma once

#include "core/ml/architecture.h"
#include "core/ml/dataset.h"
#include "core/ml/hyperparameters.h"
#include "core/ml/mlresult.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace millrace::ml {

/// What a model takes and gives: its input/output signature, stored with it.
struct ModelSignature
{
    std::vector<std::int64_t> sampleShape; ///< one sample's shape, e.g. {28, 28}
    TaskKind task = TaskKind::Classification;
    std::int64_t outputs = 0; ///< classes (classification) or values per sample (regression)
    std::vector<std::string> classNames;

    /// The signature of models trained on `data`.
    static ModelSignature of(const Dataset &data);
    /// Checks `data` fits: same sample shape and task, labels in range.
    Result<void> accepts(const Dataset &data) const;
};

/// Finds an architecture by id (the loaded model plugins), or null.
using ArchitectureLookup = std::function<const Architecture *(const std::string &id)>;

/// A network with everything needed to use it again: architecture id, hyperparameters,
/// signature, and the fitted preprocessing of its inputs. Copies share one network; clone()
/// makes an independent one. Not for concurrent use from several threads.
///
/// On disk a model is a folder: `weights.pt` (LibTorch's archive of parameters and buffers)
/// and `model.json` (what the folder holds, plus the weights' size and CRC-32, so truncated
/// or corrupt weights are refused rather than loaded). model.json is written last.
class Model
{
public:
    /// A new, untrained model of `architecture` for data of `signature`, its initial weights
    /// fixed by `seed`.
    static Result<Model> create(const Architecture &architecture,
                                const Hyperparameters &hyperparameters,
                                const ModelSignature &signature, std::uint64_t seed = 42);
    /// Loads a model saved by save(); `lookup` provides its architecture. Fails, naming the
    /// file, on a missing, truncated or corrupt folder or an unknown architecture.
    static Result<Model> load(const std::string &directory, const ArchitectureLookup &lookup);

    /// Writes the model into `directory` (created if needed), replacing a model there.
    Result<void> save(const std::string &directory) const;
    /// An independent copy with the same weights (incremental updates train a copy).
    Result<Model> clone() const;

    /// Outputs for every sample of `data`, row after row: class scores (logits) or values,
    /// signature().outputs per sample. Runs in evaluation mode, without gradients.
    Result<std::vector<float>> predict(const Dataset &data, std::size_t batchSize = 512) const;

    std::string architectureId() const;
    const Hyperparameters &hyperparameters() const;
    const ModelSignature &signature() const;
    /// The fitted preprocessing of the inputs (TabularPreprocessor::toJson()), or "" for
    /// images, stored and loaded with the model.
    const std::string &preprocessing() const;
    void setPreprocessing(std::string json);
    /// Number of trainable values.
    std::int64_t parameterCount() const;

    /// For the engine's .cpp files: the network (a millrace::ml::Network).
    struct State;
    State &state() const { return *m_state; }

private:
    explicit Model(std::shared_ptr<State> state) : m_state(std::move(state)) {}
    std::shared_ptr<State> m_state;
};

} // namespace millrace::ml
