#include "ui/dialogs/traindialog.h"

#include "core/training/trainingservice.h"
#include "ui/panels/experiments/compare/chartstyle.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace millrace::ui {

namespace {

using Kind = ml::HyperparameterSpec::Kind;

QChart *makeChart(const QString &title, QLineSeries *first, QLineSeries *second,
                  const QPalette &palette)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->addSeries(first);
    chart->addSeries(second);
    auto *x = new QValueAxis;
    x->setTitleText(TrainDialog::tr("epoch"));
    x->setLabelFormat(QStringLiteral("%d"));
    x->setRange(1, 2);
    auto *y = new QValueAxis;
    y->setRange(0, 1);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QLineSeries *series : {first, second}) {
        series->attachAxis(x);
        series->attachAxis(y);
        series->setPointsVisible(true);
    }
    first->setColor(compareRunColour(0));
    second->setColor(compareRunColour(1));
    applyChartStyle(chart, palette);
    return chart;
}

// Fits the chart's axes to its series.
void fitAxes(QChart *chart)
{
    double maxX = 2;
    double minY = std::numeric_limits<double>::infinity();
    double maxY = -minY;
    for (QAbstractSeries *abstract : chart->series()) {
        for (const QPointF &point : static_cast<QLineSeries *>(abstract)->points()) {
            maxX = std::max(maxX, point.x());
            minY = std::min(minY, point.y());
            maxY = std::max(maxY, point.y());
        }
    }
    if (!std::isfinite(minY))
        return;
    const NiceRange range = niceRange(minY, maxY);
    // Epochs are whole numbers: a tick on each, or on every few when there are many.
    auto *x = static_cast<QValueAxis *>(chart->axes(Qt::Horizontal).constFirst());
    x->setRange(1, maxX);
    x->setTickType(QValueAxis::TicksDynamic);
    x->setTickAnchor(1);
    x->setTickInterval(std::max(1.0, std::ceil((maxX - 1) / 8)));
    auto *y = static_cast<QValueAxis *>(chart->axes(Qt::Vertical).constFirst());
    y->setRange(range.min, range.max);
    y->setTickCount(range.ticks);
}

} // namespace

TrainDialog::TrainDialog(training::TrainingService &service,
                         QList<ArchitectureChoice> architectures, QWidget *parent)
    : QDialog(parent), m_service(service), m_architectures(std::move(architectures))
{
    setWindowTitle(tr("Train a model"));
    setObjectName(QStringLiteral("trainDialog"));

    auto *settings = new QWidget;
    auto *settingsLayout = new QVBoxLayout(settings);
    settingsLayout->addWidget(createDataGroup());
    settingsLayout->addWidget(createModelGroup());
    settingsLayout->addWidget(createTrainingGroup());
    settingsLayout->addWidget(createSearchGroup());
    settingsLayout->addStretch();
    auto *scroll = new QScrollArea;
    scroll->setWidget(settings);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(420);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::NoFrame);

    auto *columns = new QHBoxLayout;
    columns->addWidget(scroll, 0);
    columns->addWidget(createProgressArea(), 1);

    m_trainButton = new QPushButton(tr("Train"));
    m_trainButton->setObjectName(QStringLiteral("trainButton"));
    m_trainButton->setDefault(true);
    m_cancelButton = new QPushButton(tr("Cancel training"));
    m_cancelButton->setObjectName(QStringLiteral("cancelTrainingButton"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_trainButton, QDialogButtonBox::ActionRole);
    buttons->addButton(m_cancelButton, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::hide);
    connect(m_trainButton, &QPushButton::clicked, this, &TrainDialog::startTraining);
    connect(m_cancelButton, &QPushButton::clicked, this, &TrainDialog::cancelTraining);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addWidget(buttons);

    connect(&m_service, &training::TrainingService::progressed, this, &TrainDialog::onProgress);
    connect(&m_service, &training::TrainingService::epochFinished, this, &TrainDialog::onEpoch);
    connect(&m_service, &training::TrainingService::jobFinished, this, &TrainDialog::onFinished);
    connect(&m_service, &training::TrainingService::jobFailed, this, &TrainDialog::onFailed);
    connect(&m_service, &training::TrainingService::runCreated, this,
            [this](const QString &jobId, const QString &runId, int trial) {
                if (jobId != m_jobId)
                    return;
                m_status->setText(trial > 0 ? tr("Trial %1: run %2").arg(trial).arg(runId.left(8))
                                            : tr("Run %1 started; it shows in the Experiments "
                                                 "panel as it goes.")
                                                  .arg(runId.left(8)));
            });

    updateDataFields();
    rebuildHyperparameterForm();
    setRunning(false);
    resize(1100, 720);
}

QWidget *TrainDialog::createDataGroup()
{
    auto *group = new QGroupBox(tr("Data"));
    m_dataForm = new QFormLayout(group);
    m_dataKind = new QComboBox;
    m_dataKind->setObjectName(QStringLiteral("dataKind"));
    m_dataKind->addItem(tr("Fashion-MNIST (dataset-fashion-mnist package)"));
    m_dataKind->addItem(tr("CSV file"));
    m_dataForm->addRow(tr("Source:"), m_dataKind);

    m_trainLimit = new QSpinBox;
    m_trainLimit->setObjectName(QStringLiteral("trainLimit"));
    m_trainLimit->setRange(0, 60000);
    m_trainLimit->setSingleStep(1000);
    m_trainLimit->setSpecialValueText(tr("all 60,000"));
    m_trainLimit->setToolTip(tr("Train on this many images, drawn with the seed; the package's "
                                "10,000 test images judge the model."));
    m_dataForm->addRow(tr("Training images:"), m_trainLimit);

    m_csvPath = new QLineEdit;
    m_csvPath->setObjectName(QStringLiteral("csvPath"));
    auto *browse = new QToolButton;
    browse->setText(tr("…"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("CSV file"), m_csvPath->text(),
                                                          tr("CSV files (*.csv);;All files (*)"));
        if (!file.isEmpty())
            m_csvPath->setText(file);
    });
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_csvPath);
    pathRow->addWidget(browse);
    m_dataForm->addRow(tr("File:"), pathRow);
    m_labelColumn = new QLineEdit;
    m_labelColumn->setObjectName(QStringLiteral("labelColumn"));
    m_labelColumn->setPlaceholderText(tr("the column to predict"));
    m_labelColumn->setToolTip(tr("Every other column is a feature: numeric when its values are "
                                 "numbers, else one-hot encoded."));
    m_dataForm->addRow(tr("Label column:"), m_labelColumn);
    m_task = new QComboBox;
    m_task->addItem(tr("Classify (the label names a class)"));
    m_task->addItem(tr("Regress (the label is a number)"));
    m_dataForm->addRow(tr("Task:"), m_task);
    m_testShare = new QDoubleSpinBox;
    m_testShare->setRange(0.05, 0.5);
    m_testShare->setSingleStep(0.05);
    m_testShare->setValue(0.2);
    m_dataForm->addRow(tr("Test share:"), m_testShare);

    connect(m_dataKind, &QComboBox::currentIndexChanged, this, &TrainDialog::updateDataFields);
    return group;
}

QWidget *TrainDialog::createModelGroup()
{
    auto *group = new QGroupBox(tr("Model"));
    auto *layout = new QVBoxLayout(group);
    auto *form = new QFormLayout;
    m_architecture = new QComboBox;
    m_architecture->setObjectName(QStringLiteral("architecture"));
    for (const ArchitectureChoice &choice : std::as_const(m_architectures))
        m_architecture->addItem(choice.name, choice.id);
    form->addRow(tr("Architecture:"), m_architecture);
    layout->addLayout(form);
    auto *hyperparameters = new QWidget;
    m_hyperparameterForm = new QFormLayout(hyperparameters);
    m_hyperparameterForm->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(hyperparameters);
    connect(m_architecture, &QComboBox::currentIndexChanged, this, [this] {
        rebuildHyperparameterForm();
        // Images go with the image CNN, tables with the MLP.
        const int index = m_architecture->currentIndex();
        if (index >= 0)
            m_dataKind->setCurrentIndex(
                m_architectures.at(index).inputKind == ml::InputKind::Image ? 0 : 1);
    });
    return group;
}

QWidget *TrainDialog::createTrainingGroup()
{
    auto *group = new QGroupBox(tr("Training"));
    auto *form = new QFormLayout(group);
    const ml::TrainingOptions defaults;
    m_experiment = new QLineEdit(QStringLiteral("Default"));
    m_experiment->setObjectName(QStringLiteral("experiment"));
    form->addRow(tr("Experiment:"), m_experiment);
    m_runName = new QLineEdit;
    m_runName->setObjectName(QStringLiteral("runName"));
    m_runName->setPlaceholderText(tr("generated"));
    form->addRow(tr("Run name:"), m_runName);
    m_epochs = new QSpinBox;
    m_epochs->setObjectName(QStringLiteral("epochs"));
    m_epochs->setRange(1, 1000);
    m_epochs->setValue(defaults.epochs);
    form->addRow(tr("Epochs:"), m_epochs);
    m_batchSize = new QSpinBox;
    m_batchSize->setRange(1, 8192);
    m_batchSize->setValue(defaults.batchSize);
    form->addRow(tr("Batch size:"), m_batchSize);
    m_optimizer = new QComboBox;
    m_optimizer->addItem(QStringLiteral("Adam"), QStringLiteral("adam"));
    m_optimizer->addItem(tr("SGD with momentum"), QStringLiteral("sgd"));
    form->addRow(tr("Optimizer:"), m_optimizer);
    m_learningRate = new QDoubleSpinBox;
    m_learningRate->setDecimals(6);
    m_learningRate->setRange(0.000001, 10);
    m_learningRate->setSingleStep(0.0005);
    m_learningRate->setValue(defaults.learningRate);
    form->addRow(tr("Learning rate:"), m_learningRate);
    m_schedule = new QComboBox;
    m_schedule->addItem(tr("Constant"), QStringLiteral("constant"));
    m_schedule->addItem(tr("Halve every 2 epochs"), QStringLiteral("step"));
    m_schedule->addItem(tr("Cosine to zero"), QStringLiteral("cosine"));
    form->addRow(tr("Schedule:"), m_schedule);
    m_validationShare = new QDoubleSpinBox;
    m_validationShare->setRange(0, 0.5);
    m_validationShare->setSingleStep(0.05);
    m_validationShare->setValue(0.1);
    m_validationShare->setToolTip(tr("Held out of the training data to keep the best epoch and "
                                     "stop early"));
    form->addRow(tr("Validation share:"), m_validationShare);
    m_patience = new QSpinBox;
    m_patience->setRange(0, 100);
    m_patience->setSpecialValueText(tr("never stop early"));
    form->addRow(tr("Patience:"), m_patience);
    m_threads = new QSpinBox;
    m_threads->setRange(0, 256);
    m_threads->setSpecialValueText(tr("one per core"));
    form->addRow(tr("Threads:"), m_threads);
    m_seed = new QSpinBox;
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setValue(42);
    form->addRow(tr("Seed:"), m_seed);
    return group;
}

QWidget *TrainDialog::createSearchGroup()
{
    m_search = new QGroupBox(tr("Search hyperparameters"));
    m_search->setObjectName(QStringLiteral("search"));
    m_search->setCheckable(true);
    m_search->setChecked(false);
    m_search->setToolTip(tr("Each trial is a nested run; the best one is marked. Trials choose "
                            "on the validation share, never on the test set."));
    auto *form = new QFormLayout(m_search);
    m_searchMethod = new QComboBox;
    m_searchMethod->addItem(tr("TPE (model-based)"), QStringLiteral("tpe"));
    m_searchMethod->addItem(tr("Random"), QStringLiteral("random"));
    form->addRow(tr("Method:"), m_searchMethod);
    m_trials = new QSpinBox;
    m_trials->setObjectName(QStringLiteral("trials"));
    m_trials->setRange(1, 1000);
    m_trials->setValue(8);
    form->addRow(tr("Trials:"), m_trials);
    m_parallel = new QSpinBox;
    m_parallel->setRange(1, std::max(1, QThread::idealThreadCount()));
    form->addRow(tr("At a time:"), m_parallel);
    m_vary = new QListWidget;
    m_vary->setObjectName(QStringLiteral("searchVary"));
    m_vary->setToolTip(tr("The hyperparameters the search varies; the others keep the values "
                          "above."));
    m_vary->setMaximumHeight(150);
    form->addRow(tr("Vary:"), m_vary);
    return m_search;
}

QWidget *TrainDialog::createProgressArea()
{
    auto *area = new QWidget;
    auto *layout = new QVBoxLayout(area);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("trainingProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    layout->addWidget(m_progress);
    m_status = new QLabel(tr("Choose the data and model, then Train."));
    m_status->setObjectName(QStringLiteral("trainingStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    m_trainLoss = new QLineSeries;
    m_trainLoss->setName(tr("training"));
    m_validationLoss = new QLineSeries;
    m_validationLoss->setName(tr("validation"));
    m_trainAccuracy = new QLineSeries;
    m_trainAccuracy->setName(tr("training"));
    m_validationAccuracy = new QLineSeries;
    m_validationAccuracy->setName(tr("validation"));
    m_lossChart = makeChart(tr("Loss"), m_trainLoss, m_validationLoss, palette());
    m_accuracyChart = makeChart(tr("Accuracy"), m_trainAccuracy, m_validationAccuracy, palette());
    for (QChart *chart : {m_lossChart, m_accuracyChart}) {
        auto *view = new QChartView(chart);
        view->setObjectName(chart == m_lossChart ? QStringLiteral("lossChart")
                                                 : QStringLiteral("accuracyChart"));
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(220);
        layout->addWidget(view, 1);
    }
    return area;
}

void TrainDialog::updateDataFields()
{
    const bool csv = m_dataKind->currentIndex() == 1;
    m_dataForm->setRowVisible(m_trainLimit, !csv);
    for (QWidget *field : {static_cast<QWidget *>(m_labelColumn), static_cast<QWidget *>(m_task),
                           static_cast<QWidget *>(m_testShare)})
        m_dataForm->setRowVisible(field, csv);
    m_dataForm->setRowVisible(2, csv); // the file row (a layout)
}

void TrainDialog::rebuildHyperparameterForm()
{
    while (m_hyperparameterForm->rowCount() > 0)
        m_hyperparameterForm->removeRow(0);
    m_hyperparameterEditors.clear();
    const int index = m_architecture->currentIndex();
    if (index < 0)
        return;
    for (const ml::HyperparameterSpec &spec : m_architectures.at(index).hyperparameters) {
        QWidget *editor = nullptr;
        switch (spec.kind) {
        case Kind::Integer: {
            auto *spin = new QSpinBox;
            spin->setRange(int(spec.min), int(spec.max));
            spin->setValue(int(std::get<std::int64_t>(spec.defaultValue)));
            editor = spin;
            break;
        }
        case Kind::Real: {
            auto *spin = new QDoubleSpinBox;
            spin->setDecimals(4);
            spin->setRange(spec.min, spec.max);
            spin->setSingleStep((spec.max - spec.min) / 20);
            spin->setValue(std::get<double>(spec.defaultValue));
            editor = spin;
            break;
        }
        case Kind::Boolean: {
            auto *check = new QCheckBox;
            check->setChecked(std::get<bool>(spec.defaultValue));
            editor = check;
            break;
        }
        case Kind::Choice: {
            auto *combo = new QComboBox;
            for (const std::string &choice : spec.choices)
                combo->addItem(QString::fromStdString(choice));
            combo->setCurrentText(QString::fromStdString(std::get<std::string>(spec.defaultValue)));
            editor = combo;
            break;
        }
        }
        const QString name = QString::fromStdString(spec.name);
        editor->setObjectName(QStringLiteral("hyperparameter_") + name);
        editor->setToolTip(QString::fromStdString(spec.description));
        m_hyperparameterForm->addRow(name + QLatin1Char(':'), editor);
        m_hyperparameterEditors.insert(name, editor);
    }
    rebuildVaryList();
}

void TrainDialog::rebuildVaryList()
{
    m_vary->clear();
    const int index = m_architecture->currentIndex();
    ml::SearchSpace space =
        index >= 0 ? m_architectures.at(index).hyperparameters : ml::SearchSpace();
    const ml::SearchSpace training = ml::trainingSearchSpace();
    space.insert(space.end(), training.begin(), training.end());
    for (const ml::HyperparameterSpec &spec : space) {
        auto *item = new QListWidgetItem(QString::fromStdString(spec.name), m_vary);
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        // Epochs only when asked: a search over them mostly finds that more epochs help.
        item->setCheckState(spec.name == "epochs" ? Qt::Unchecked : Qt::Checked);
        item->setToolTip(QString::fromStdString(spec.description));
    }
}

Result<training::TrainingRequest> TrainDialog::request() const
{
    training::TrainingRequest request;
    if (m_architecture->currentIndex() < 0)
        return fail(tr("No model architecture is available: are the model plugins installed?"));
    request.architectureId = m_architecture->currentData().toString();
    request.experimentName = m_experiment->text().trimmed();
    if (request.experimentName.isEmpty())
        return fail(tr("Name the experiment the run goes into."));
    request.runName = m_runName->text().trimmed();
    request.seed = std::uint64_t(m_seed->value());

    if (m_dataKind->currentIndex() == 0) {
        request.data.kind = training::DataSpec::Kind::FashionMnist;
        request.data.trainLimit = m_trainLimit->value();
    } else {
        request.data.kind = training::DataSpec::Kind::Csv;
        request.data.path = m_csvPath->text().trimmed();
        if (request.data.path.isEmpty())
            return fail(tr("Choose the CSV file to train on."));
        const QString label = m_labelColumn->text().trimmed();
        if (label.isEmpty())
            return fail(tr("Name the CSV column to predict."));
        request.data.schema.label = {label.toStdString(), m_task->currentIndex() == 0
                                                              ? ml::ColumnKind::Categorical
                                                              : ml::ColumnKind::Numeric};
        request.data.split = {1 - m_testShare->value(), m_testShare->value(), 0};
    }
    request.data.splitSeed = request.seed;

    for (auto it = m_hyperparameterEditors.cbegin(); it != m_hyperparameterEditors.cend(); ++it) {
        const std::string name = it.key().toStdString();
        if (auto *spin = qobject_cast<QSpinBox *>(it.value()))
            request.architectureHyperparameters[name] = std::int64_t(spin->value());
        else if (auto *real = qobject_cast<QDoubleSpinBox *>(it.value()))
            request.architectureHyperparameters[name] = real->value();
        else if (auto *check = qobject_cast<QCheckBox *>(it.value()))
            request.architectureHyperparameters[name] = check->isChecked();
        else if (auto *combo = qobject_cast<QComboBox *>(it.value()))
            request.architectureHyperparameters[name] = combo->currentText().toStdString();
    }

    ml::TrainingOptions &options = request.training;
    options.epochs = m_epochs->value();
    options.batchSize = m_batchSize->value();
    options.optimizer = m_optimizer->currentData().toString().toStdString();
    options.learningRate = m_learningRate->value();
    options.schedule = m_schedule->currentData().toString().toStdString();
    options.validationFraction = m_validationShare->value();
    options.patience = m_patience->value();
    options.intraOpThreads = m_threads->value();
    options.seed = request.seed;
    if (auto valid = ml::validate(options); !valid)
        return fail(QString::fromStdString(valid.error().message));

    if (m_search->isChecked()) {
        QStringList vary;
        for (int row = 0; row < m_vary->count(); ++row) {
            if (m_vary->item(row)->checkState() == Qt::Checked)
                vary.append(m_vary->item(row)->text());
        }
        if (vary.isEmpty())
            return fail(tr("Tick at least one hyperparameter for the search to vary."));
        request.search = training::SearchSpec{m_searchMethod->currentData().toString(),
                                              m_trials->value(), m_parallel->value(), vary};
    }
    return request;
}

void TrainDialog::startTraining()
{
    if (isTraining())
        return;
    auto wanted = request();
    if (!wanted) {
        m_status->setText(wanted.errorMessage());
        return;
    }
    resetCharts();
    m_progress->setValue(0);
    m_status->setText(tr("Reading the data…"));
    m_jobId = m_service.submit(*wanted);
    setRunning(true);
}

void TrainDialog::cancelTraining()
{
    if (!isTraining())
        return;
    m_service.cancel(m_jobId);
    m_status->setText(tr("Stopping at the next batch…"));
    m_cancelButton->setEnabled(false);
}

void TrainDialog::setRunning(bool running)
{
    m_trainButton->setEnabled(!running);
    m_cancelButton->setEnabled(running);
}

void TrainDialog::resetCharts()
{
    for (QLineSeries *series :
         {m_trainLoss, m_validationLoss, m_trainAccuracy, m_validationAccuracy})
        series->clear();
    m_chartTrial = -1;
}

void TrainDialog::onProgress(const QString &jobId, const training::TrainingProgress &progress)
{
    if (jobId != m_jobId)
        return;
    m_progress->setValue(int(std::lround(progress.fraction * 1000)));
    QString text = progress.trials > 0
                       ? tr("Trial %1 of %2 · ").arg(progress.trial).arg(progress.trials)
                       : QString();
    text += tr("Epoch %1 of %2 · batch %3 of %4 · loss %5")
                .arg(progress.epoch)
                .arg(progress.epochs)
                .arg(progress.batch)
                .arg(progress.batches)
                .arg(progress.loss, 0, 'f', 4);
    if (progress.etaSeconds >= 0)
        text += tr(" · about %1 left")
                    .arg(RunTableModel::durationText(qint64(progress.etaSeconds * 1000)));
    m_status->setText(text);
}

void TrainDialog::onEpoch(const QString &jobId, const QString &, int trial,
                          const ml::EpochMetrics &metrics)
{
    if (jobId != m_jobId)
        return;
    // A search draws the trial that reported last; a new trial starts new curves.
    if (trial != m_chartTrial) {
        resetCharts();
        m_chartTrial = trial;
        m_lossChart->setTitle(trial > 0 ? tr("Loss, trial %1").arg(trial) : tr("Loss"));
        m_accuracyChart->setTitle(trial > 0 ? tr("Accuracy, trial %1").arg(trial) : tr("Accuracy"));
    }
    auto add = [&](QLineSeries *series, double value) {
        if (!std::isnan(value))
            series->append(metrics.epoch, value);
    };
    add(m_trainLoss, metrics.trainLoss);
    add(m_validationLoss, metrics.validationLoss);
    add(m_trainAccuracy, metrics.trainAccuracy);
    add(m_validationAccuracy, metrics.validationAccuracy);
    fitAxes(m_lossChart);
    fitAxes(m_accuracyChart);
}

void TrainDialog::onFinished(const QString &jobId, const training::TrainingJobResult &result)
{
    if (jobId != m_jobId)
        return;
    m_jobId.clear();
    setRunning(false);
    switch (result.status) {
    case training::TrainingJobResult::Status::Finished:
        m_progress->setValue(m_progress->maximum());
        m_status->setText(result.bestTrialRunId.isEmpty()
                              ? tr("Finished: test accuracy %1, test loss %2 (run %3).")
                                    .arg(result.testAccuracy, 0, 'f', 4)
                                    .arg(result.testLoss, 0, 'f', 4)
                                    .arg(result.runId.left(8))
                              : tr("Finished: the best trial (run %1) reached test accuracy %2.")
                                    .arg(result.bestTrialRunId.left(8))
                                    .arg(result.testAccuracy, 0, 'f', 4));
        break;
    case training::TrainingJobResult::Status::Failed:
        m_status->setText(tr("Failed: %1").arg(result.message));
        break;
    case training::TrainingJobResult::Status::Cancelled:
        m_status->setText(tr("Stopped; the run is marked KILLED and no model was saved."));
        break;
    }
}

void TrainDialog::onFailed(const QString &jobId, const QString &message)
{
    if (jobId != m_jobId)
        return;
    m_jobId.clear();
    setRunning(false);
    m_status->setText(tr("Could not train: %1").arg(message));
}

} // namespace millrace::ui
