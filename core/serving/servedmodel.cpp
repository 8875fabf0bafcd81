#include "core/serving/servedmodel.h"

#include "core/ml/inferenceplan.h"
#include "core/ml/tabular.h"
#include "core/serving/servinglog.h"
#include "core/training/registeredmodels.h"

#include <algorithm>
#include <optional>

namespace millrace::serving {

// A fixed set of network copies lent to one caller at a time.
class ServedModel::Copies
{
public:
    Copies(std::vector<ml::Model> models, std::optional<ml::TabularPreprocessor> preprocessor)
        : m_models(std::move(models)), m_preprocessor(std::move(preprocessor))
    {
        for (std::size_t i = 0; i < m_models.size(); ++i)
            m_free.push_back(i);
    }

    const ml::Model &first() const { return m_models.front(); }
    const std::optional<ml::TabularPreprocessor> &preprocessor() const { return m_preprocessor; }

    // Borrows a copy for the lifetime of the returned guard.
    class Loan
    {
    public:
        Loan(const Copies &copies) : m_copies(copies)
        {
            std::unique_lock lock(m_copies.m_mutex);
            m_copies.m_available.wait(lock, [this] { return !m_copies.m_free.empty(); });
            m_index = m_copies.m_free.back();
            m_copies.m_free.pop_back();
        }
        ~Loan()
        {
            {
                std::lock_guard lock(m_copies.m_mutex);
                m_copies.m_free.push_back(m_index);
            }
            m_copies.m_available.notify_one();
        }
        Loan(const Loan &) = delete;
        Loan &operator=(const Loan &) = delete;
        const ml::Model &model() const { return m_copies.m_models[m_index]; }

    private:
        const Copies &m_copies;
        std::size_t m_index = 0;
    };

private:
    std::vector<ml::Model> m_models;
    std::optional<ml::TabularPreprocessor> m_preprocessor;
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_available;
    mutable std::vector<std::size_t> m_free;
};

namespace {

Result<std::vector<float>> outputsOf(ml::Result<std::vector<float>> outputs)
{
    if (!outputs)
        return fail(QString::fromStdString(outputs.error().message));
    return std::move(outputs).value();
}

} // namespace

ServedModel::~ServedModel() = default;

Result<std::shared_ptr<const ServedModel>>
ServedModel::load(const registry::RegistryStore &registry,
                  const ml::ArchitectureLookup &architectures, const QString &name, qint64 version,
                  int copies)
{
    Result<ml::Model> model = training::loadRegisteredModel(registry, architectures, name, version);
    if (!model)
        return model.error();
    return fromModel(*model, name, version, copies);
}

Result<std::shared_ptr<const ServedModel>>
ServedModel::fromModel(const ml::Model &model, const QString &name, qint64 version, int copies)
{
    std::shared_ptr<ServedModel> served(new ServedModel);
    served->m_name = name;
    served->m_version = version;
    const ml::ModelSignature &signature = model.signature();
    served->m_outputWidth = signature.outputs;
    served->m_outputName = signature.task == ml::TaskKind::Classification
                               ? QStringLiteral("logits")
                               : QStringLiteral("predictions");
    served->m_inputSpec.inputName = QStringLiteral("input");

    std::optional<ml::TabularPreprocessor> preprocessor;
    if (!model.preprocessing().empty()) {
        auto read = ml::TabularPreprocessor::fromJson(model.preprocessing());
        if (!read)
            return fail(QStringLiteral("version %1 of %2: its preprocessing does not read back: %3")
                            .arg(version)
                            .arg(name, QString::fromStdString(read.error().message)));
        served->m_inputSpec.kind = InputSpec::Kind::Table;
        for (const ml::FittedColumn &column : read->columns())
            served->m_inputSpec.columns.append(QString::fromStdString(column.name));
        preprocessor = std::move(read).value();
    } else {
        served->m_inputSpec.kind = InputSpec::Kind::Tensor;
        served->m_inputSpec.sampleShape.assign(signature.sampleShape.begin(),
                                               signature.sampleShape.end());
    }

    // A chain network answers through an inference plan that every worker shares; any other
    // network through copies, one per worker: the loaded model itself and clones of it.
    auto plan = ml::InferencePlan::compile(model);
    if (plan) {
        served->m_plan = std::move(plan).value();
        copies = 1;
    } else {
        qCInfo(lcServing).noquote()
            << QStringLiteral("version %1 of %2 runs its network as it is: %3")
                   .arg(version)
                   .arg(name, QString::fromStdString(plan.error().message));
    }
    std::vector<ml::Model> models{model};
    for (int i = 1; i < std::max(1, copies); ++i) {
        auto clone = model.clone();
        if (!clone)
            return fail(QStringLiteral("version %1 of %2: %3")
                            .arg(version)
                            .arg(name, QString::fromStdString(clone.error().message)));
        models.push_back(std::move(clone).value());
    }
    served->m_copies = std::make_unique<Copies>(std::move(models), std::move(preprocessor));
    return std::shared_ptr<const ServedModel>(std::move(served));
}

const std::vector<std::string> &ServedModel::classNames() const
{
    return m_copies->first().signature().classNames;
}

Result<std::vector<float>> ServedModel::predict(const ScoringBatch &batch) const
{
    const ml::ModelSignature &signature = m_copies->first().signature();
    ml::Dataset data;
    data.task = signature.task;
    data.classCount = signature.task == ml::TaskKind::Classification ? signature.outputs : 0;
    if (const auto &preprocessor = m_copies->preprocessor()) {
        // Tables go through the model's own preprocessing, as in training.
        ml::CsvTable table;
        table.sourceName = "request";
        for (const QString &column : m_inputSpec.columns)
            table.header.push_back(column.toStdString());
        const std::size_t width = table.header.size();
        table.rows.reserve(std::size_t(batch.rows));
        for (qint64 row = 0; row < batch.rows; ++row) {
            std::vector<std::string> cells;
            cells.reserve(width);
            for (std::size_t column = 0; column < width; ++column)
                cells.push_back(batch.cells[std::size_t(row) * width + column].toStdString());
            table.rows.push_back(std::move(cells));
            table.rowLines.push_back(std::size_t(row) + 1);
        }
        auto encoded = preprocessor->transformFeatures(table);
        if (!encoded)
            return fail(QStringLiteral("INVALID_PARAMETER_VALUE"),
                        QString::fromStdString(encoded.error().message));
        data = std::move(encoded->dataset);
    } else if (m_plan) {
        return outputsOf(m_plan->run(batch.values));
    } else {
        data.sampleShape = signature.sampleShape;
        data.features = batch.values;
    }
    if (m_plan)
        return outputsOf(m_plan->run(data.features));
    Copies::Loan loan(*m_copies);
    return outputsOf(loan.model().predict(data, std::max<std::size_t>(1, std::size_t(batch.rows))));
}

} // namespace millrace::serving
