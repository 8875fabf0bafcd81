// ONNX export of the shipped architectures, read back with the onnx protobuf: the graph's
// input, output, dynamic batch dimension, nodes and metadata, the MLflow files beside it; and
// what it refuses: layers with no mapping (named), forward() that is not the layer chain,
// corrupt weights, bad opsets, cancellation and folders it must not overwrite, each leaving
// the disk as it was. That the graph computes what LibTorch computes is
// tests/integration/ml/tst_onnxequivalence.cpp's job (onnxruntime and OpenCV run it).

#include "core/ml/csv.h"
#include "core/ml/modelstate.h"
#include "core/ml/onnxexport.h"
#include "core/ml/tabular.h"
#include "mlverify.h"
#include "plugins/imagecnn/cnnarchitecture.h"
#include "plugins/tabularmlp/mlparchitecture.h"
#include "testnetworks.h"

#include <onnx/onnx_pb.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace millrace;
using namespace millrace::ml;
using namespace Qt::StringLiterals;
namespace fs = std::filesystem;

using namespace millrace::ml::testing;

namespace {

const std::vector<std::string> kExportFiles = {"requirements.txt", "conda.yaml", "python_env.yaml",
                                               "model.onnx", "MLmodel"};

std::string readText(const fs::path &path)
{
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

onnx::ModelProto readOnnx(const fs::path &path)
{
    onnx::ModelProto model;
    std::ifstream file(path, std::ios::binary);
    if (!model.ParseFromIstream(&file))
        qFatal("%s does not parse as an ONNX model", path.c_str());
    return model;
}

std::vector<std::string> opTypes(const onnx::ModelProto &model)
{
    std::vector<std::string> types;
    for (const auto &node : model.graph().node())
        types.push_back(node.op_type());
    return types;
}

std::size_t countOf(const std::vector<std::string> &types, const std::string &type)
{
    return std::size_t(std::count(types.begin(), types.end(), type));
}

std::string metadata(const onnx::ModelProto &model, const std::string &key)
{
    for (const auto &property : model.metadata_props()) {
        if (property.key() == key)
            return property.value();
    }
    return "<missing>";
}

const onnx::TensorProto *initializer(const onnx::ModelProto &model, const std::string &name)
{
    for (const auto &tensor : model.graph().initializer()) {
        if (tensor.name() == name)
            return &tensor;
    }
    return nullptr;
}

std::vector<float> floatsOf(const onnx::TensorProto &tensor)
{
    std::vector<float> values(tensor.raw_data().size() / sizeof(float));
    std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(float));
    return values;
}

/// Dimensions as text, the dynamic one by its name: "batch,28,28".
QString dimensions(const onnx::ValueInfoProto &value)
{
    QStringList parts;
    for (const auto &dimension : value.type().tensor_type().shape().dim())
        parts << (dimension.has_dim_param() ? QString::fromStdString(dimension.dim_param())
                                            : QString::number(dimension.dim_value()));
    return parts.join(u',');
}

/// Every file under `folder` with its contents, to show a failed export changed nothing.
std::map<std::string, std::string> snapshot(const fs::path &folder)
{
    std::map<std::string, std::string> files;
    if (!fs::exists(folder))
        return files;
    for (const auto &entry : fs::recursive_directory_iterator(folder))
        files[fs::relative(entry.path(), folder).string()] =
            entry.is_regular_file() ? readText(entry.path()) : "<folder>";
    return files;
}

std::string jsonArray(const std::vector<std::string> &names)
{
    std::string text = "[";
    for (const std::string &name : names)
        text += (text.size() > 1 ? ",\"" : "\"") + name + "\"";
    return text + "]";
}

std::vector<std::string> namesIn(const fs::path &folder)
{
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(folder))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A table with two numeric columns and a categorical one, as a user would train on.
const char *kTable = "x,y,colour,label\n"
                     "1.5,10,red,yes\n"
                     "2.5,30,green,no\n"
                     "-0.5,20,blue,yes\n"
                     "4.5,40,red,no\n";

} // namespace

class TestOnnxExport : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    fs::path freshPath(const char *name)
    {
        static int counter = 0;
        return fs::path(m_dir.path().toStdString()) / (name + std::to_string(++counter));
    }

    TabularPreprocessor fittedPreprocessor()
    {
        auto table = parseCsv(kTable, "table.csv");
        if (!table)
            qFatal("%s", table.errorMessage().c_str());
        TabularSchema schema;
        schema.features = {{"x", ColumnKind::Numeric},
                           {"y", ColumnKind::Numeric},
                           {"colour", ColumnKind::Categorical}};
        schema.label = {"label", ColumnKind::Categorical};
        auto preprocessor = TabularPreprocessor::fit(schema, *table);
        if (!preprocessor)
            qFatal("%s", preprocessor.errorMessage().c_str());
        return *preprocessor;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void exportsTheCnn_data()
    {
        QTest::addColumn<int>("convLayers");
        QTest::addColumn<bool>("batchNorm");
        QTest::newRow("1 conv layer") << 1 << false;
        QTest::newRow("2 conv layers, batch norm") << 2 << true;
        QTest::newRow("3 conv layers") << 3 << false;
        QTest::newRow("3 conv layers, batch norm") << 3 << true;
    }

    void exportsTheCnn()
    {
        QFETCH(int, convLayers);
        QFETCH(bool, batchNorm);
        Model model = smallCnn(convLayers, batchNorm);
        const fs::path folder = freshPath("cnn");
        auto report = exportOnnx(model, folder.string());
        ML_VERIFY_OK(report);

        QCOMPARE(report->checkerVerdict, std::string("valid"));
        QCOMPARE(report->opset, 17);
        QCOMPARE(report->modelPath, (folder / "model.onnx").string());
        QCOMPARE(report->modelBytes, std::uint64_t(fs::file_size(folder / "model.onnx")));
        QCOMPARE(report->input.name, std::string("input"));
        QCOMPARE(report->input.shape, (std::vector<std::int64_t>{-1, 28, 28}));
        QCOMPARE(report->output.name, std::string("logits"));
        QCOMPARE(report->output.shape, (std::vector<std::int64_t>{-1, 10}));
        // Exactly the five files, nothing temporary left beside or inside the folder.
        std::vector<std::string> expectedFiles = kExportFiles;
        std::sort(expectedFiles.begin(), expectedFiles.end());
        QCOMPARE(namesIn(folder), expectedFiles);
        for (const std::string &name : namesIn(folder.parent_path()))
            QVERIFY2(name.find(".onnx-export-") == std::string::npos, name.c_str());
        QCOMPARE(report->files.back(), (folder / "MLmodel").string());

        const onnx::ModelProto graph = readOnnx(folder / "model.onnx");
        QCOMPARE(graph.opset_import(0).version(), std::int64_t(17));
        QCOMPARE(graph.graph().input_size(), 1);
        QCOMPARE(graph.graph().input(0).name(), std::string("input"));
        QCOMPARE(dimensions(graph.graph().input(0)), u"batch,28,28"_s);
        QCOMPARE(graph.graph().input(0).type().tensor_type().elem_type(),
                 int(onnx::TensorProto::FLOAT));
        QCOMPARE(graph.graph().output_size(), 1);
        QCOMPARE(graph.graph().output(0).name(), std::string("logits"));
        QCOMPARE(dimensions(graph.graph().output(0)), u"batch,10"_s);

        const auto types = opTypes(graph);
        QCOMPARE(std::size_t(graph.graph().node_size()), report->nodeCount);
        QCOMPARE(types.front(), std::string("Reshape")); // {batch, 28, 28} -> {batch, 1, 28, 28}
        QCOMPARE(countOf(types, "Conv"), std::size_t(convLayers));
        QCOMPARE(countOf(types, "MaxPool"), std::size_t(convLayers));
        QCOMPARE(countOf(types, "Relu"), std::size_t(convLayers + 1));
        QCOMPARE(countOf(types, "Gemm"), std::size_t(2));
        QCOMPARE(countOf(types, "Flatten"), std::size_t(1));
        // Batch norm is folded into the convolutions, dropout is gone in evaluation mode.
        QCOMPARE(countOf(types, "BatchNormalization"), std::size_t(0));
        QCOMPARE(countOf(types, "Dropout"), std::size_t(0));
        QCOMPARE(types.size(), std::size_t(1 + 3 * convLayers + 4));
        QCOMPARE(initializer(graph, "features.0.weight.folded") != nullptr, batchNorm);
        QCOMPARE(initializer(graph, "features.0.weight") != nullptr, !batchNorm);
        QCOMPARE(graph.graph().node(graph.graph().node_size() - 1).output(0),
                 std::string("logits"));

        QCOMPARE(metadata(graph, "architecture"), std::string("image-cnn"));
        QCOMPARE(metadata(graph, "task"), std::string("classification"));
        QCOMPARE(metadata(graph, "class_names"),
                 std::string(R"(["class 0","class 1","class 2","class 3","class 4","class 5",)"
                             R"("class 6","class 7","class 8","class 9"])"));
        QVERIFY(metadata(graph, "input").find("divided by 255") != std::string::npos);
        QCOMPARE(metadata(graph, "input"), report->inputDescription);

        const std::string mlmodel = readText(folder / "MLmodel");
        for (const char *line : {"  onnx:\n", "    data: model.onnx\n", "  python_function:\n",
                                 "    loader_module: mlflow.onnx\n",
                                 "      virtualenv: python_env.yaml\n", "  task: classification\n"})
            QVERIFY2(mlmodel.find(line) != std::string::npos, line);
        QVERIFY(mlmodel.find(R"(\"name\": \"input\")") != std::string::npos
                || mlmodel.find(R"(\"name\":\"input\")") != std::string::npos);
        QVERIFY(mlmodel.find(R"(\"shape\":[-1,28,28])") != std::string::npos);
        QVERIFY(mlmodel.find(R"(\"shape\":[-1,10])") != std::string::npos);
        QVERIFY(readText(folder / "requirements.txt").find("onnxruntime") != std::string::npos);
    }

    void exportsTheMlpWithItsStandardisation_data()
    {
        QTest::addColumn<QString>("activation");
        QTest::addColumn<bool>("batchNorm");
        QTest::addColumn<bool>("regression");
        QTest::addColumn<QStringList>("activationNodes");
        QTest::newRow("relu") << u"relu"_s << false << false << QStringList{u"Relu"_s};
        QTest::newRow("tanh, batch norm") << u"tanh"_s << true << false << QStringList{u"Tanh"_s};
        QTest::newRow("gelu, regression")
            << u"gelu"_s << false << true
            << QStringList{u"Div"_s, u"Erf"_s, u"Add"_s, u"Mul"_s, u"Mul"_s};
    }

    void exportsTheMlpWithItsStandardisation()
    {
        QFETCH(QString, activation);
        QFETCH(bool, batchNorm);
        QFETCH(bool, regression);
        QFETCH(QStringList, activationNodes);
        static const models::MlpArchitecture mlp;
        const TabularPreprocessor preprocessor = fittedPreprocessor();
        ModelSignature signature = tableSignature(5, regression ? 1 : 2);
        signature.task = regression ? TaskKind::Regression : TaskKind::Classification;
        if (!regression)
            signature.classNames = {"no", "yes"};
        auto model = Model::create(mlp,
                                   {{"hidden_units", std::int64_t(6)},
                                    {"hidden_layers", std::int64_t(2)},
                                    {"activation", activation.toStdString()},
                                    {"batch_norm", batchNorm}},
                                   signature);
        ML_VERIFY_OK(model);
        model->setPreprocessing(preprocessor.toJson());
        const fs::path folder = freshPath("mlp");
        auto report = exportOnnx(*model, folder.string());
        ML_VERIFY_OK(report);
        const std::string output = regression ? "predictions" : "logits";
        QCOMPARE(report->output.name, output);
        QCOMPARE(report->input.shape, (std::vector<std::int64_t>{-1, 5}));

        const onnx::ModelProto graph = readOnnx(folder / "model.onnx");
        QCOMPARE(dimensions(graph.graph().input(0)), u"batch,5"_s);
        QCOMPARE(graph.graph().output(0).name(), output);
        QCOMPARE(dimensions(graph.graph().output(0)), regression ? u"batch,1"_s : u"batch,2"_s);
        // The graph starts with the fitted standardisation: numbers in, one-hot values untouched.
        std::vector<std::string> expected{"Sub", "Div"};
        for (int layer = 0; layer < 2; ++layer) {
            expected.push_back("Gemm");
            for (const QString &node : activationNodes)
                expected.push_back(node.toStdString());
        }
        expected.push_back("Gemm");
        QCOMPARE(opTypes(graph), expected);
        const auto *mean = initializer(graph, "standardise.mean");
        const auto *scale = initializer(graph, "standardise.std");
        QVERIFY(mean && scale);
        const auto &columns = preprocessor.columns();
        QCOMPARE(floatsOf(*mean),
                 (std::vector<float>{float(columns[0].mean), float(columns[1].mean), 0, 0, 0}));
        QCOMPARE(floatsOf(*scale),
                 (std::vector<float>{float(columns[0].scale), float(columns[1].scale), 1, 1, 1}));
        QCOMPARE(metadata(graph, "input_columns"), jsonArray(preprocessor.outputNames()));
        QCOMPARE(metadata(graph, "preprocessing"), preprocessor.toJson());
        QCOMPARE(metadata(graph, "task"),
                 regression ? std::string("regression") : std::string("classification"));
        QVERIFY(report->inputDescription.find("colour=red") != std::string::npos);
        QVERIFY(readText(folder / "MLmodel").find("input_columns:") != std::string::npos);
    }

    void opsetsOutsideTheRangeAreRefused()
    {
        Model model = smallCnn(1, false);
        for (int opset : {12, 18}) {
            const fs::path folder = freshPath("opset");
            OnnxExportOptions options;
            options.opset = opset;
            ML_VERIFY_FAILS(exportOnnx(model, folder.string(), options),
                            "opset " + std::to_string(opset), "13 to 17");
            QVERIFY(!fs::exists(folder));
        }
        const fs::path folder = freshPath("opset");
        OnnxExportOptions options;
        options.opset = 13;
        auto report = exportOnnx(model, folder.string(), options);
        ML_VERIFY_OK(report);
        QCOMPARE(report->opset, 13);
        QCOMPARE(readOnnx(folder / "model.onnx").opset_import(0).version(), std::int64_t(13));
    }

    void aLayerWithNoMappingIsNamed()
    {
        const TestArchitecture architecture([] {
            return std::make_shared<ChainNetwork>(
                torch::nn::Sequential(torch::nn::ReLU(), torch::nn::Softplus()));
        });
        auto model = Model::create(architecture, {}, tableSignature(3, 4));
        ML_VERIFY_OK(model);
        const fs::path folder = freshPath("unmapped");
        ML_VERIFY_FAILS(exportOnnx(*model, folder.string()),
                        "cannot export to ONNX: layer 'classifier.1' (torch::nn::Softplus) has no "
                        "ONNX mapping");
        QVERIFY(!fs::exists(folder));
    }

    void aForwardThatIsNotTheLayerChainIsRefused()
    {
        const TestArchitecture architecture([] { return std::make_shared<ResidualNetwork>(); });
        auto model = Model::create(architecture, {}, tableSignature(3, 3));
        ML_VERIFY_OK(model);
        const fs::path folder = freshPath("residual");
        ML_VERIFY_FAILS(exportOnnx(*model, folder.string()), "forward() is not its layers");
        QVERIFY(!fs::exists(folder));

        // The same layers, applied in order, export.
        const TestArchitecture chain([] {
            return std::make_shared<ChainNetwork>(torch::nn::Sequential(torch::nn::Linear(4, 3)));
        });
        auto chained = Model::create(chain, {}, tableSignature(3, 3));
        ML_VERIFY_OK(chained);
        ML_VERIFY_OK(exportOnnx(*chained, folder.string()));
    }

    void theNetworkKeepsItsMode()
    {
        Model model = smallCnn(1, true);
        model.state().network->train();
        ML_VERIFY_OK(exportOnnx(model, freshPath("mode").string()));
        QVERIFY(model.state().network->is_training());
        model.state().network->eval();
        ML_VERIFY_OK(exportOnnx(model, freshPath("mode").string()));
        QVERIFY(!model.state().network->is_training());
    }

    void corruptWeightsAreRefused()
    {
        const fs::path saved = freshPath("saved");
        ML_VERIFY_OK(smallCnn(2, true).save(saved.string()));
        // The same path with sound weights exports.
        auto report = exportSavedModelToOnnx(saved.string(), lookup, freshPath("sound").string());
        ML_VERIFY_OK(report);
        QCOMPARE(report->checkerVerdict, std::string("valid"));

        const fs::path weights = saved / "weights.pt";
        {
            std::fstream file(weights, std::ios::in | std::ios::out | std::ios::binary);
            file.seekg(std::streamoff(fs::file_size(weights) / 2));
            char byte = 0;
            file.read(&byte, 1);
            file.seekp(std::streamoff(fs::file_size(weights) / 2));
            byte = char(byte ^ 0x41);
            file.write(&byte, 1);
        }
        const fs::path folder = freshPath("corrupt");
        ML_VERIFY_FAILS(exportSavedModelToOnnx(saved.string(), lookup, folder.string()),
                        "weights.pt", "corrupt");
        QVERIFY(!fs::exists(folder));
    }

    void cancellingWritesNothing_data()
    {
        QTest::addColumn<int>("cancelAtCheck");
        QTest::newRow("at the start") << 1;
        QTest::newRow("between layers") << 4;
        QTest::newRow("just before writing") << -1; // the last check
    }

    void cancellingWritesNothing()
    {
        QFETCH(int, cancelAtCheck);
        Model model = smallCnn(2, true);
        // How many times an export asks, to cancel at the last one.
        int checks = 0;
        OnnxExportOptions counting;
        counting.cancelled = [&checks] {
            ++checks;
            return false;
        };
        ML_VERIFY_OK(exportOnnx(model, freshPath("count").string(), counting));
        QVERIFY(checks > 4);
        const int cancelAt = cancelAtCheck < 0 ? checks : cancelAtCheck;

        auto cancelling = [cancelAt] {
            OnnxExportOptions options;
            options.cancelled = [cancelAt, asked = 0]() mutable { return ++asked >= cancelAt; };
            return options;
        };
        const fs::path fresh = freshPath("cancelled");
        ML_VERIFY_FAILS(exportOnnx(model, fresh.string(), cancelling()), "cancelled");
        QVERIFY(!fs::exists(fresh));

        // Over an earlier export, the earlier files stay as they were.
        const fs::path earlier = freshPath("earlier");
        ML_VERIFY_OK(exportOnnx(smallCnn(1, false), earlier.string()));
        const auto before = snapshot(earlier);
        ML_VERIFY_FAILS(exportOnnx(model, earlier.string(), cancelling()), "cancelled");
        QCOMPARE(snapshot(earlier), before);
    }

    void reportsProgress()
    {
        Model model = smallCnn(1, false);
        std::vector<std::pair<double, std::string>> steps;
        OnnxExportOptions options;
        options.progress = [&steps](double fraction, const std::string &step) {
            steps.emplace_back(fraction, step);
        };
        ML_VERIFY_OK(exportOnnx(model, freshPath("progress").string(), options));
        QVERIFY(steps.size() > 3);
        for (std::size_t i = 1; i < steps.size(); ++i)
            QVERIFY(steps[i].first >= steps[i - 1].first);
        QCOMPARE(steps.back().first, 1.0);
        QVERIFY(std::any_of(steps.begin(), steps.end(), [](const auto &step) {
            return step.second == "layer features.0 (Conv2d)";
        }));
    }

    void foldersItMustNotOverwriteAreRefused()
    {
        Model model = smallCnn(1, false);
        // Someone's requirements.txt, with no export beside it.
        const fs::path project = freshPath("project");
        fs::create_directories(project);
        std::ofstream(project / "requirements.txt") << "flask\n";
        std::ofstream(project / "notes.txt") << "mine\n";
        auto before = snapshot(project);
        ML_VERIFY_FAILS(exportOnnx(model, project.string()), "requirements.txt",
                        "no earlier ONNX export");
        QCOMPARE(snapshot(project), before);

        // Another MLflow model (not of the onnx flavor).
        const fs::path other = freshPath("pytorch");
        fs::create_directories(other);
        std::ofstream(other / "MLmodel") << "flavors:\n  pytorch:\n    model_data: data\n";
        before = snapshot(other);
        ML_VERIFY_FAILS(exportOnnx(model, other.string()), "MLmodel", "would overwrite");
        QCOMPARE(snapshot(other), before);

        // A path that is a file.
        const fs::path file = freshPath("file");
        std::ofstream(file) << "x";
        ML_VERIFY_FAILS(exportOnnx(model, file.string()), "not a folder");
        QCOMPARE(readText(file), std::string("x"));
    }

    void unrelatedFilesStayAndEarlierExportsAreReplaced()
    {
        const fs::path folder = freshPath("version");
        fs::create_directories(folder);
        std::ofstream(folder / "notes.txt") << "mine\n";
        ML_VERIFY_OK(exportOnnx(smallCnn(1, false), folder.string() + "/"));
        const std::string firstMlmodel = readText(folder / "MLmodel");
        const std::string firstGraph = readText(folder / "model.onnx");

        auto report = exportOnnx(smallCnn(2, false), folder.string());
        ML_VERIFY_OK(report);
        QCOMPARE(readText(folder / "notes.txt"), std::string("mine\n"));
        QVERIFY(readText(folder / "model.onnx") != firstGraph);
        QVERIFY(readText(folder / "MLmodel") != firstMlmodel); // another model_uuid at least
        QCOMPARE(countOf(opTypes(readOnnx(folder / "model.onnx")), "Conv"), std::size_t(2));
        std::vector<std::string> expected = kExportFiles;
        expected.push_back("notes.txt");
        std::sort(expected.begin(), expected.end());
        QCOMPARE(namesIn(folder), expected);
    }
};

QTEST_GUILESS_MAIN(TestOnnxExport)
#include "tst_onnxexport.moc"
