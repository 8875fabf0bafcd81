#pragma once

#include "core/ml/architecture.h"

namespace millrace::models {

/// A multilayer perceptron for table rows (the encoded features of a TabularPreprocessor):
/// `hidden_layers` fully connected layers of `hidden_units`, each with an activation, optional
/// batch norm and dropout, then the output layer.
class MlpArchitecture : public ml::Architecture
{
public:
    std::string id() const override { return "tabular-mlp"; }
    std::string displayName() const override { return "Tabular MLP"; }
    ml::InputKind inputKind() const override { return ml::InputKind::Tabular; }
    ml::SearchSpace hyperparameters() const override;
    ml::Result<std::shared_ptr<ml::Network>> create(const ml::Hyperparameters &hyperparameters,
                                                    const std::vector<std::int64_t> &sampleShape,
                                                    std::int64_t outputs) const override;
};

} // namespace millrace::models
