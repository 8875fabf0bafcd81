#include "core/training/trainingrequest.h"

#include <QJsonArray>
#include <QSet>

namespace millrace::training {

namespace {

// Reads fields of one JSON object, remembering the first problem and which keys it knows.
class Fields
{
public:
    Fields(const QJsonObject &object, QString path) : m_object(object), m_path(std::move(path)) {}

    bool has(const QString &key)
    {
        m_known.insert(key);
        return m_object.contains(key) && !m_object.value(key).isNull();
    }
    QString string(const QString &key, const QString &fallback)
    {
        if (!has(key))
            return fallback;
        if (!m_object.value(key).isString())
            complain(key, QStringLiteral("a string"));
        return m_object.value(key).toString(fallback);
    }
    double number(const QString &key, double fallback)
    {
        if (!has(key))
            return fallback;
        if (!m_object.value(key).isDouble())
            complain(key, QStringLiteral("a number"));
        return m_object.value(key).toDouble(fallback);
    }
    qint64 integer(const QString &key, qint64 fallback)
    {
        const double value = number(key, double(fallback));
        if (value != double(qint64(value)))
            complain(key, QStringLiteral("a whole number"));
        return qint64(value);
    }
    QJsonObject object(const QString &key)
    {
        if (!has(key))
            return {};
        if (!m_object.value(key).isObject())
            complain(key, QStringLiteral("an object"));
        return m_object.value(key).toObject();
    }
    QJsonArray array(const QString &key)
    {
        if (!has(key))
            return {};
        if (!m_object.value(key).isArray())
            complain(key, QStringLiteral("a list"));
        return m_object.value(key).toArray();
    }
    QString field(const QString &key) const
    {
        return m_path.isEmpty() ? key : m_path + QLatin1Char('.') + key;
    }
    void complain(const QString &key, const QString &expected)
    {
        setProblem(QStringLiteral("'%1' must be %2").arg(field(key), expected));
    }
    void setProblem(const QString &problem)
    {
        if (m_problem.isEmpty())
            m_problem = problem;
    }
    // The first problem, including keys nobody asked for.
    QString problem() const
    {
        if (!m_problem.isEmpty())
            return m_problem;
        for (auto it = m_object.constBegin(); it != m_object.constEnd(); ++it) {
            if (!m_known.contains(it.key()))
                return QStringLiteral("unknown field '%1'").arg(field(it.key()));
        }
        return {};
    }

private:
    QJsonObject m_object;
    QString m_path;
    QSet<QString> m_known;
    QString m_problem;
};

std::optional<ml::HyperValue> hyperValue(const QJsonValue &value)
{
    if (value.isBool())
        return ml::HyperValue(value.toBool());
    if (value.isString())
        return ml::HyperValue(value.toString().toStdString());
    if (value.isDouble()) {
        const double number = value.toDouble();
        if (number == double(qint64(number)) && std::abs(number) < 9e15)
            return ml::HyperValue(std::int64_t(number));
        return ml::HyperValue(number);
    }
    return std::nullopt;
}

QJsonValue jsonValue(const ml::HyperValue &value)
{
    if (const auto *integer = std::get_if<std::int64_t>(&value))
        return double(*integer);
    if (const auto *real = std::get_if<double>(&value))
        return *real;
    if (const auto *flag = std::get_if<bool>(&value))
        return *flag;
    return QString::fromStdString(std::get<std::string>(value));
}

std::optional<ml::ColumnSpec> columnSpec(const QJsonObject &json, const QString &path,
                                         QString &problem)
{
    Fields fields(json, path);
    ml::ColumnSpec spec;
    spec.name = fields.string(QStringLiteral("name"), QString()).toStdString();
    const QString kind = fields.string(QStringLiteral("kind"), QStringLiteral("numeric"));
    if (spec.name.empty())
        fields.setProblem(
            QStringLiteral("'%1' is missing").arg(fields.field(QStringLiteral("name"))));
    if (kind == QLatin1String("categorical"))
        spec.kind = ml::ColumnKind::Categorical;
    else if (kind != QLatin1String("numeric"))
        fields.setProblem(QStringLiteral("'%1' must be numeric or categorical")
                              .arg(fields.field(QStringLiteral("kind"))));
    problem = fields.problem();
    if (!problem.isEmpty())
        return std::nullopt;
    return spec;
}

} // namespace

Result<TrainingRequest> requestFromJson(const QJsonObject &json)
{
    TrainingRequest request;
    Fields top(json, QString());
    request.experimentName = top.string(QStringLiteral("experiment"), request.experimentName);
    request.runName = top.string(QStringLiteral("run_name"), QString());
    request.seed = std::uint64_t(top.integer(QStringLiteral("seed"), qint64(request.seed)));
    request.architectureId = top.string(QStringLiteral("architecture"), request.architectureId);

    // data
    Fields data(top.object(QStringLiteral("data")), QStringLiteral("data"));
    const QString kind = data.string(QStringLiteral("kind"), QStringLiteral("fashion-mnist"));
    request.data.path = data.string(QStringLiteral("path"), QString());
    request.data.splitSeed = request.seed;
    if (kind == QLatin1String("fashion-mnist")) {
        request.data.kind = DataSpec::Kind::FashionMnist;
        request.data.trainLimit = data.integer(QStringLiteral("train_limit"), 0);
        if (request.data.trainLimit < 0)
            data.setProblem(QStringLiteral("'data.train_limit' must not be negative"));
    } else if (kind == QLatin1String("csv")) {
        request.data.kind = DataSpec::Kind::Csv;
        if (request.data.path.isEmpty())
            data.setProblem(QStringLiteral("'data.path' names no CSV file"));
        const QJsonArray features = data.array(QStringLiteral("features"));
        for (qsizetype i = 0; i < features.size(); ++i) {
            QString problem;
            const auto spec = columnSpec(features.at(i).toObject(),
                                         QStringLiteral("data.features[%1]").arg(i), problem);
            if (!spec) {
                data.setProblem(problem);
                break;
            }
            request.data.schema.features.push_back(*spec);
        }
        QString problem;
        const auto label =
            columnSpec(data.object(QStringLiteral("label")), QStringLiteral("data.label"), problem);
        if (label)
            request.data.schema.label = *label;
        else
            data.setProblem(problem);
        const double test = data.number(QStringLiteral("test_fraction"), 0.2);
        if (!(test > 0 && test < 1))
            data.setProblem(QStringLiteral("'data.test_fraction' must be between 0 and 1"));
        request.data.split = {1 - test, test, 0};
    } else {
        data.setProblem(
            QStringLiteral("'data.kind' must be fashion-mnist or csv, not '%1'").arg(kind));
    }
    if (const QString problem = data.problem(); !problem.isEmpty())
        return fail(problem);

    // hyperparameters
    const QJsonObject hyperparameters = top.object(QStringLiteral("hyperparameters"));
    for (auto it = hyperparameters.constBegin(); it != hyperparameters.constEnd(); ++it) {
        const auto value = hyperValue(it.value());
        if (!value)
            return fail(QStringLiteral("'hyperparameters.%1' must be a number, true/false or a "
                                       "string")
                            .arg(it.key()));
        request.architectureHyperparameters[it.key().toStdString()] = *value;
    }

    // training
    Fields training(top.object(QStringLiteral("training")), QStringLiteral("training"));
    ml::TrainingOptions &options = request.training;
    options.epochs = int(training.integer(QStringLiteral("epochs"), options.epochs));
    options.batchSize = int(training.integer(QStringLiteral("batch_size"), options.batchSize));
    options.optimizer =
        training.string(QStringLiteral("optimizer"), QString::fromStdString(options.optimizer))
            .toStdString();
    options.learningRate = training.number(QStringLiteral("learning_rate"), options.learningRate);
    options.momentum = training.number(QStringLiteral("momentum"), options.momentum);
    options.weightDecay = training.number(QStringLiteral("weight_decay"), options.weightDecay);
    options.schedule =
        training.string(QStringLiteral("schedule"), QString::fromStdString(options.schedule))
            .toStdString();
    options.stepEpochs = int(training.integer(QStringLiteral("step_epochs"), options.stepEpochs));
    options.stepGamma = training.number(QStringLiteral("step_gamma"), options.stepGamma);
    options.validationFraction =
        training.number(QStringLiteral("validation_fraction"), options.validationFraction);
    options.patience = int(training.integer(QStringLiteral("patience"), options.patience));
    options.intraOpThreads = int(training.integer(QStringLiteral("threads"), 0));
    options.device =
        training.string(QStringLiteral("device"), QString::fromStdString(options.device))
            .toStdString();
    options.seed = request.seed;
    if (const QString problem = training.problem(); !problem.isEmpty())
        return fail(problem);
    if (auto valid = ml::validate(options); !valid)
        return fail(QStringLiteral("training: ") + QString::fromStdString(valid.error().message));

    // search
    if (top.has(QStringLiteral("search"))) {
        Fields search(top.object(QStringLiteral("search")), QStringLiteral("search"));
        SearchSpec spec;
        spec.method = search.string(QStringLiteral("method"), spec.method);
        spec.trials = int(search.integer(QStringLiteral("trials"), spec.trials));
        spec.parallel = int(search.integer(QStringLiteral("parallel"), spec.parallel));
        for (const QJsonValue &name : search.array(QStringLiteral("vary")))
            spec.vary.append(name.toString());
        if (spec.method != QLatin1String("tpe") && spec.method != QLatin1String("random"))
            search.setProblem(QStringLiteral("'search.method' must be tpe or random"));
        if (spec.trials < 1 || spec.trials > 1000)
            search.setProblem(QStringLiteral("'search.trials' must be between 1 and 1000"));
        if (spec.parallel < 1)
            search.setProblem(QStringLiteral("'search.parallel' must be at least 1"));
        if (const QString problem = search.problem(); !problem.isEmpty())
            return fail(problem);
        request.search = spec;
    }
    if (const QString problem = top.problem(); !problem.isEmpty())
        return fail(problem);
    if (request.experimentName.trimmed().isEmpty())
        return fail(QStringLiteral("'experiment' must not be empty"));
    return request;
}

QJsonObject requestToJson(const TrainingRequest &request)
{
    QJsonObject data;
    if (request.data.kind == DataSpec::Kind::FashionMnist) {
        data.insert(QStringLiteral("kind"), QStringLiteral("fashion-mnist"));
        if (request.data.trainLimit > 0)
            data.insert(QStringLiteral("train_limit"), double(request.data.trainLimit));
    } else {
        data.insert(QStringLiteral("kind"), QStringLiteral("csv"));
        QJsonArray features;
        auto column = [](const ml::ColumnSpec &spec) {
            return QJsonObject{{QStringLiteral("name"), QString::fromStdString(spec.name)},
                               {QStringLiteral("kind"), spec.kind == ml::ColumnKind::Categorical
                                                            ? QStringLiteral("categorical")
                                                            : QStringLiteral("numeric")}};
        };
        for (const ml::ColumnSpec &spec : request.data.schema.features)
            features.append(column(spec));
        data.insert(QStringLiteral("features"), features);
        data.insert(QStringLiteral("label"), column(request.data.schema.label));
        data.insert(QStringLiteral("test_fraction"), request.data.split.test);
    }
    if (!request.data.path.isEmpty())
        data.insert(QStringLiteral("path"), request.data.path);

    QJsonObject hyperparameters;
    for (const auto &[name, value] : request.architectureHyperparameters)
        hyperparameters.insert(QString::fromStdString(name), jsonValue(value));
    const ml::TrainingOptions &options = request.training;
    QJsonObject training{
        {QStringLiteral("epochs"), options.epochs},
        {QStringLiteral("batch_size"), options.batchSize},
        {QStringLiteral("optimizer"), QString::fromStdString(options.optimizer)},
        {QStringLiteral("learning_rate"), options.learningRate},
        {QStringLiteral("momentum"), options.momentum},
        {QStringLiteral("weight_decay"), options.weightDecay},
        {QStringLiteral("schedule"), QString::fromStdString(options.schedule)},
        {QStringLiteral("step_epochs"), options.stepEpochs},
        {QStringLiteral("step_gamma"), options.stepGamma},
        {QStringLiteral("validation_fraction"), options.validationFraction},
        {QStringLiteral("patience"), options.patience},
        {QStringLiteral("threads"), options.intraOpThreads},
        {QStringLiteral("device"), QString::fromStdString(options.device)},
    };
    QJsonObject json{
        {QStringLiteral("experiment"), request.experimentName},
        {QStringLiteral("data"), data},
        {QStringLiteral("architecture"), request.architectureId},
        {QStringLiteral("hyperparameters"), hyperparameters},
        {QStringLiteral("training"), training},
        {QStringLiteral("seed"), double(request.seed)},
    };
    if (!request.runName.isEmpty())
        json.insert(QStringLiteral("run_name"), request.runName);
    if (request.search) {
        json.insert(QStringLiteral("search"),
                    QJsonObject{{QStringLiteral("method"), request.search->method},
                                {QStringLiteral("trials"), request.search->trials},
                                {QStringLiteral("parallel"), request.search->parallel},
                                {QStringLiteral("vary"),
                                 QJsonArray::fromStringList(request.search->vary)}});
    }
    return json;
}

} // namespace millrace::training
