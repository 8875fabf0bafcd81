// ONNX export against the runtimes users will load it in: for the image CNN trained briefly on
// Fashion-MNIST (Debian's dataset-fashion-mnist), the tabular MLP trained on a CSV table, and
// networks that use the remaining layer mappings, 1,000 test inputs each go through
// onnxruntime (pip), OpenCV's dnn module (Debian's python3-opencv), mlflow.pyfunc and
// `mlflow models serve`; their outputs must match LibTorch's within 1e-4 and pick the same
// class for every input. The Python side is onnx_check.py beside this file; the pip packages
// come from tests/integration/mlflow/requirements.txt (the venv make_venv.sh builds).

#include "core/ml/csv.h"
#include "core/ml/idx.h"
#include "core/ml/model.h"
#include "core/ml/network.h"
#include "core/ml/onnxexport.h"
#include "core/ml/split.h"
#include "core/ml/tabular.h"
#include "core/ml/trainer.h"
#include "plugins/imagecnn/cnnarchitecture.h"
#include "plugins/tabularmlp/mlparchitecture.h"
#include "unit/ml/mlverify.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>

using namespace millrace;
using namespace millrace::ml;
using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kInputs = 1000;
constexpr double kTolerance = 1e-4;

/// Writes float32 values as a NumPy .npy file (format 1.0, C order).
void writeNpy(const fs::path &path, const std::vector<float> &values,
              const std::vector<std::int64_t> &shape)
{
    std::string dims;
    for (std::int64_t extent : shape)
        dims += std::to_string(extent) + ", ";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::ofstream file(path, std::ios::binary);
    file.write("\x93NUMPY\x01\x00", 8);
    const std::uint16_t length = std::uint16_t(header.size());
    file.put(char(length & 0xff));
    file.put(char(length >> 8));
    file << header;
    file.write(reinterpret_cast<const char *>(values.data()),
               std::streamsize(values.size() * sizeof(float)));
    if (!file)
        qFatal("cannot write %s", path.c_str());
}

/// An architecture around a fixed network factory, for the layer mappings the shipped
/// plugins do not use.
class FixedArchitecture : public Architecture
{
public:
    FixedArchitecture(InputKind kind, std::function<std::shared_ptr<Network>()> make)
        : m_kind(kind), m_make(std::move(make))
    {
    }
    std::string id() const override { return "fixed-test-network"; }
    std::string displayName() const override { return "Fixed test network"; }
    InputKind inputKind() const override { return m_kind; }
    SearchSpace hyperparameters() const override { return {}; }
    Result<std::shared_ptr<Network>>
    create(const Hyperparameters &, const std::vector<std::int64_t> &, std::int64_t) const override
    {
        return m_make();
    }

private:
    InputKind m_kind;
    std::function<std::shared_ptr<Network>()> m_make;
};

/// Gives a batch norm running statistics and an affine part far from the defaults, so that
/// exporting them wrongly shows.
void randomiseBatchNorm(const torch::Tensor &weight, const torch::Tensor &bias,
                        const torch::Tensor &mean, const torch::Tensor &variance)
{
    torch::NoGradGuard noGrad;
    weight.copy_(torch::rand_like(weight) * 1.5 + 0.5);
    bias.copy_(torch::randn_like(bias) * 0.5);
    mean.copy_(torch::randn_like(mean) * 0.7);
    variance.copy_(torch::rand_like(variance) * 2 + 0.3);
}

// A chain of the vector layers: batch norm with nothing to fold into (BatchNormalization),
// LeakyReLU, Sigmoid, GELU (Erf), Tanh, Identity and Dropout.
class VectorLayersNetwork : public Network
{
public:
    VectorLayersNetwork()
    {
        torch::nn::BatchNorm1d norm(6);
        m_layers = register_module(
            "layers",
            torch::nn::Sequential(
                norm, torch::nn::Linear(6, 16),
                torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.1)),
                torch::nn::Linear(16, 16), torch::nn::Sigmoid(), torch::nn::Linear(16, 16),
                torch::nn::GELU(), torch::nn::Identity(), torch::nn::Linear(16, 16),
                torch::nn::Tanh(), torch::nn::Dropout(0.5), torch::nn::Linear(16, 3)));
        randomiseBatchNorm(norm->weight, norm->bias, norm->running_mean, norm->running_var);
    }
    torch::Tensor forward(torch::Tensor input) override { return m_layers->forward(input); }

private:
    torch::nn::Sequential m_layers{nullptr};
};

// Convolutions with other options than the CNN plugin's: stride 2 without padding, "same"
// padding with dilation, a 3x3 pool with stride 2 and padding, and a batch norm after a ReLU
// (BatchNormalization on 4-D data). Samples {3, 16, 16} already have their channels.
class ConvLayersNetwork : public Network
{
public:
    ConvLayersNetwork()
    {
        using namespace torch::nn;
        BatchNorm2d norm(6);
        m_features = register_module(
            "features", Sequential(Conv2d(Conv2dOptions(3, 6, 3).stride(2)), ReLU(), norm,
                                   Conv2d(Conv2dOptions(6, 8, 3).padding(torch::kSame).dilation(2)),
                                   MaxPool2d(MaxPool2dOptions(3).stride(2).padding(1)), Flatten()));
        m_output = register_module("output", Linear(8 * 4 * 4, 4));
        randomiseBatchNorm(norm->weight, norm->bias, norm->running_mean, norm->running_var);
    }
    torch::Tensor forward(torch::Tensor input) override
    {
        return m_output->forward(m_features->forward(input));
    }

private:
    torch::nn::Sequential m_features{nullptr};
    torch::nn::Linear m_output{nullptr};
};

// A table a user might train on: two numeric columns of very different scales (so the
// standardisation in the graph matters), a categorical one, a class and a numeric target.
std::string tableText(std::size_t rows)
{
    SplitMix64 generator(2024);
    auto uniform = [&] { return double(generator.next() >> 11) / double(1ull << 53); };
    const char *colours[] = {"red", "green", "blue", "grey"};
    const double colourEffect[] = {0.8, -0.3, 0.1, -0.6};
    std::string text = "age,income,colour,label,score\n";
    char line[160];
    for (std::size_t i = 0; i < rows; ++i) {
        const double age = 18 + 60 * uniform();
        const double income = 2000 + 98000 * uniform();
        const std::size_t colour = generator.nextBelow(4);
        const double margin = (age - 48) / 15 + (income - 50000) / 25000 + colourEffect[colour]
                              + (uniform() - 0.5) * 0.8;
        const double score =
            0.04 * age + income / 20000 + 2 * colourEffect[colour] + (uniform() - 0.5) * 0.2;
        std::snprintf(line, sizeof line, "%.2f,%.2f,%s,%s,%.4f\n", age, income, colours[colour],
                      margin > 0 ? "yes" : "no", score);
        text += line;
    }
    return text;
}

/// The rows of `table` as the exported graph takes them, encoded here from the graph's
/// documented column list (metadata input_columns): numbers as they are, "column=category"
/// one-hot.
std::vector<float> graphInputs(const CsvTable &table, const std::vector<std::string> &columns)
{
    std::vector<float> values;
    for (const auto &row : table.rows) {
        for (const std::string &column : columns) {
            const auto equals = column.find('=');
            if (equals == std::string::npos) {
                values.push_back(std::stof(row[*table.columnIndex(column)]));
            } else {
                const std::string &value = row[*table.columnIndex(column.substr(0, equals))];
                values.push_back(value == column.substr(equals + 1) ? 1.0f : 0.0f);
            }
        }
    }
    return values;
}

struct RunOutput
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

RunOutput run(const QString &program, const QStringList &arguments, int timeoutSeconds)
{
    QProcess process;
    process.start(program, arguments);
    RunOutput output;
    if (!process.waitForStarted(10000)) {
        output.err = "cannot start " + program.toUtf8();
        return output;
    }
    if (!process.waitForFinished(timeoutSeconds * 1000)) {
        process.kill();
        process.waitForFinished();
        output.err = program.toUtf8() + " timed out; " + process.readAllStandardError();
        return output;
    }
    output.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    output.out = process.readAllStandardOutput();
    output.err = process.readAllStandardError();
    return output;
}

} // namespace

class TestOnnxEquivalence : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_venvPython;
    QString m_checkScript;
    /// Case folders (inputs.npy, expected.npy, model/), by name.
    std::map<std::string, fs::path> m_cases;
    std::map<std::string, bool> m_classifies;

    // Exports `model` and writes the case's inputs and LibTorch's outputs for them.
    void addCase(const std::string &name, const Model &model, const Dataset &libtorchInputs,
                 const std::vector<float> &graphInputValues)
    {
        const fs::path folder = fs::path(m_dir.path().toStdString()) / name;
        fs::create_directories(folder);
        auto report = exportOnnx(model, (folder / "model").string());
        if (!report)
            qFatal("%s: %s", name.c_str(), report.errorMessage().c_str());
        auto expected = model.predict(libtorchInputs);
        if (!expected)
            qFatal("%s: %s", name.c_str(), expected.errorMessage().c_str());
        std::vector<std::int64_t> inputShape{std::int64_t(libtorchInputs.size())};
        inputShape.insert(inputShape.end(), libtorchInputs.sampleShape.begin(),
                          libtorchInputs.sampleShape.end());
        writeNpy(folder / "inputs.npy", graphInputValues, inputShape);
        writeNpy(folder / "expected.npy", *expected,
                 {std::int64_t(libtorchInputs.size()), model.signature().outputs});
        std::printf("%s: %zu nodes, %llu bytes, opset %d, checker: %s\n", name.c_str(),
                    report->nodeCount, static_cast<unsigned long long>(report->modelBytes),
                    report->opset, report->checkerVerdict.c_str());
        m_cases[name] = folder;
        m_classifies[name] = model.signature().task == TaskKind::Classification;
    }

    void addFashionMnistCases()
    {
        const std::string directory = fashionMnistDefaultDirectory();
        auto trainSet = readFashionMnist(directory, FashionMnistPart::Train);
        auto test = readFashionMnist(directory, FashionMnistPart::Test);
        ML_VERIFY_OK(trainSet);
        ML_VERIFY_OK(test);
        std::vector<std::size_t> first(kInputs);
        std::iota(first.begin(), first.end(), std::size_t(0));
        const Dataset testInputs = test->subset(first);

        // The default CNN (two conv blocks with batch norm), one epoch on 6,000 images: real
        // weights and real batch-norm statistics to fold.
        static const models::CnnArchitecture cnn;
        auto split = splitIndices(trainSet->size(), {0.1, 0.0, 0.9}, 5);
        ML_VERIFY_OK(split);
        const Dataset trainSubset = trainSet->subset(split->train);
        auto model = Model::create(cnn, {}, ModelSignature::of(trainSubset), 1);
        ML_VERIFY_OK(model);
        TrainingOptions options;
        options.epochs = 1;
        options.seed = 1;
        options.device = "cpu";
        ML_VERIFY_OK(train(*model, trainSubset, options));
        auto predictions = predictWithLoss(*model, testInputs);
        ML_VERIFY_OK(predictions);
        std::size_t correct = 0;
        for (std::size_t i = 0; i < kInputs; ++i)
            correct += predictions->classes[i] == testInputs.classLabels[i];
        std::printf("cnn: LibTorch accuracy on the 1,000 test images %.3f\n",
                    double(correct) / kInputs);
        QVERIFY(correct > kInputs * 7 / 10); // it did learn
        addCase("cnn", *model, testInputs, testInputs.features);

        // Three blocks without batch norm (biased convolutions), initial weights.
        auto plain = Model::create(cnn,
                                   {{"conv_layers", std::int64_t(3)},
                                    {"batch_norm", false},
                                    {"base_width", std::int64_t(8)}},
                                   ModelSignature::of(trainSubset), 2);
        ML_VERIFY_OK(plain);
        addCase("cnn-3-blocks-no-batchnorm", *plain, testInputs, testInputs.features);
    }

    void addTableCases()
    {
        auto table = parseCsv(tableText(3 * kInputs), "table.csv");
        ML_VERIFY_OK(table);
        std::vector<std::size_t> trainRows(2 * kInputs), testRows(kInputs);
        std::iota(trainRows.begin(), trainRows.end(), std::size_t(0));
        std::iota(testRows.begin(), testRows.end(), 2 * kInputs);
        const CsvTable trainTable = table->selectRows(trainRows);
        const CsvTable testTable = table->selectRows(testRows);

        static const models::MlpArchitecture mlp;
        for (const bool regression : {false, true}) {
            TabularSchema schema;
            schema.features = {{"age", ColumnKind::Numeric},
                               {"income", ColumnKind::Numeric},
                               {"colour", ColumnKind::Categorical}};
            schema.label = regression ? ColumnSpec{"score", ColumnKind::Numeric}
                                      : ColumnSpec{"label", ColumnKind::Categorical};
            auto preprocessor = TabularPreprocessor::fit(schema, trainTable);
            ML_VERIFY_OK(preprocessor);
            auto trainData = preprocessor->transform(trainTable);
            auto testData = preprocessor->transformFeatures(testTable);
            ML_VERIFY_OK(trainData);
            ML_VERIFY_OK(testData);
            const Hyperparameters hyperparameters =
                regression ? Hyperparameters{{"activation", std::string("tanh")},
                                             {"batch_norm", true},
                                             {"hidden_units", std::int64_t(32)}}
                           : Hyperparameters{{"hidden_units", std::int64_t(32)}};
            auto model =
                Model::create(mlp, hyperparameters, ModelSignature::of(trainData->dataset), 3);
            ML_VERIFY_OK(model);
            model->setPreprocessing(preprocessor->toJson());
            TrainingOptions options;
            options.epochs = 8;
            options.batchSize = 32;
            options.learningRate = 0.01;
            options.device = "cpu";
            ML_VERIFY_OK(train(*model, trainData->dataset, options));
            addCase(regression ? "mlp-regression" : "mlp", *model, testData->dataset,
                    graphInputs(testTable, preprocessor->outputNames()));
        }
    }

    void addLayerCases()
    {
        SplitMix64 generator(99);
        auto uniformValues = [&](std::size_t count) {
            std::vector<float> values(count);
            for (float &value : values)
                value = float(double(generator.next() >> 11) / double(1ull << 53)) * 6 - 3;
            return values;
        };

        const FixedArchitecture vectors(InputKind::Tabular,
                                        [] { return std::make_shared<VectorLayersNetwork>(); });
        Dataset vectorInputs;
        vectorInputs.sampleShape = {6};
        vectorInputs.classCount = 3;
        vectorInputs.features = uniformValues(kInputs * 6);
        ModelSignature vectorSignature;
        vectorSignature.sampleShape = {6};
        vectorSignature.outputs = 3;
        auto vectorModel = Model::create(vectors, {}, vectorSignature, 4);
        ML_VERIFY_OK(vectorModel);
        addCase("vector-layers", *vectorModel, vectorInputs, vectorInputs.features);

        const FixedArchitecture convs(InputKind::Image,
                                      [] { return std::make_shared<ConvLayersNetwork>(); });
        Dataset imageInputs;
        imageInputs.sampleShape = {3, 16, 16};
        imageInputs.classCount = 4;
        imageInputs.features = uniformValues(kInputs * 3 * 16 * 16);
        ModelSignature imageSignature;
        imageSignature.sampleShape = {3, 16, 16};
        imageSignature.outputs = 4;
        auto convModel = Model::create(convs, {}, imageSignature, 6);
        ML_VERIFY_OK(convModel);
        addCase("conv-layers", *convModel, imageInputs, imageInputs.features);
    }

    /// Runs onnx_check.py for `runtime` under `python` on the named cases; one report each.
    std::map<std::string, QJsonObject> check(const QString &python, const QString &runtime,
                                             const std::vector<std::string> &cases,
                                             int timeoutSeconds)
    {
        QStringList arguments{m_checkScript, runtime};
        for (const std::string &name : cases)
            arguments << QString::fromStdString(m_cases.at(name).string());
        const RunOutput output = run(python, arguments, timeoutSeconds);
        if (output.exitCode != 0)
            qWarning("%s %s failed (%d): %s", qPrintable(python), qPrintable(runtime),
                     output.exitCode, output.err.constData());
        std::map<std::string, QJsonObject> reports;
        for (const QByteArray &line : output.out.split('\n')) {
            const QJsonObject report = QJsonDocument::fromJson(line).object();
            if (!report.isEmpty())
                reports[report.value(u"case"_s).toString().toStdString()] = report;
        }
        return reports;
    }

    // Every case ran, within the tolerance, with the same class for every input.
    void verifyReports(const std::map<std::string, QJsonObject> &reports,
                       const std::vector<std::string> &cases, std::size_t count)
    {
        for (const std::string &name : cases) {
            QVERIFY2(reports.count(name), ("no report for " + name).c_str());
            const QJsonObject &report = reports.at(name);
            const QString runtime = report.value(u"runtime"_s).toString();
            QVERIFY2(report.value(u"error"_s).isNull(),
                     qPrintable(QString::fromStdString(name) + u": "_s
                                + report.value(u"error"_s).toString()));
            const double difference = report.value(u"max_abs_diff"_s).toDouble(-1);
            const int agree = report.value(u"argmax_agree"_s).toInt(-1);
            std::printf("%-12s %-26s %4d inputs: max abs difference %.3g, same class %d\n",
                        qPrintable(runtime), name.c_str(), report.value(u"count"_s).toInt(),
                        difference, agree);
            QCOMPARE(report.value(u"count"_s).toInt(), int(count));
            QVERIFY2(difference >= 0 && difference <= kTolerance,
                     qPrintable(QStringLiteral("%1 on %2: max abs difference %3")
                                    .arg(runtime, QString::fromStdString(name))
                                    .arg(difference)));
            if (m_classifies.at(name))
                QCOMPARE(agree, int(count));
        }
    }

    std::vector<std::string> allCases() const
    {
        std::vector<std::string> names;
        for (const auto &[name, folder] : m_cases)
            names.push_back(name);
        return names;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        if (qEnvironmentVariableIntValue("MILLRACE_KEEP_ONNX_CASES") == 1) {
            m_dir.setAutoRemove(false);
            std::printf("cases kept in %s\n", qPrintable(m_dir.path()));
        }
        m_checkScript = qEnvironmentVariable("MILLRACE_ONNX_CHECK");
        const QString venv = qEnvironmentVariable("MILLRACE_MLFLOW_VENV");
        const QString makeVenv = qEnvironmentVariable("MILLRACE_MAKE_VENV");
        QVERIFY2(!m_checkScript.isEmpty() && !venv.isEmpty() && !makeVenv.isEmpty(),
                 "run through ctest (MILLRACE_ONNX_CHECK, MILLRACE_MLFLOW_VENV and "
                 "MILLRACE_MAKE_VENV are set there)");
        const RunOutput opencv = run(u"/usr/bin/python3"_s, {u"-c"_s, u"import cv2, numpy"_s}, 60);
        QVERIFY2(opencv.exitCode == 0,
                 qPrintable(u"OpenCV's Python module is missing (apt-get install "
                            "python3-opencv): "_s
                            + QString::fromUtf8(opencv.err)));
        // Builds or updates the venv with onnx, onnxruntime and mlflow (quick when current).
        const RunOutput venvBuilt = run(makeVenv, {venv}, 1200);
        QVERIFY2(venvBuilt.exitCode == 0, venvBuilt.err.constData());
        m_venvPython = venv + u"/bin/python"_s;

        addFashionMnistCases();
        addTableCases();
        addLayerCases();
    }

    void onnxruntimeMatchesLibTorch()
    {
        const auto cases = allCases();
        verifyReports(check(m_venvPython, u"onnxruntime"_s, cases, 300), cases, kInputs);
    }

    void opencvMatchesLibTorch()
    {
        const auto cases = allCases();
        verifyReports(check(u"/usr/bin/python3"_s, u"opencv"_s, cases, 300), cases, kInputs);
    }

    void mlflowPyfuncMatchesLibTorch()
    {
        const auto cases = allCases();
        verifyReports(check(m_venvPython, u"mlflow"_s, cases, 300), cases, kInputs);
    }

    void mlflowServesTheExport()
    {
        const std::vector<std::string> cases{"cnn", "mlp"};
        verifyReports(check(m_venvPython, u"serve"_s, cases, 400), cases, 200);
    }
};

QTEST_GUILESS_MAIN(TestOnnxEquivalence)
#include "tst_onnxequivalence.moc"
