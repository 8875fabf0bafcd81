#include "ui/panels/serving/tryitbox.h"

#include "ui/panels/errorpalette.h"
#include "ui/panels/serving/drawcanvas.h"
#include "ui/panels/serving/probabilitybars.h"
#include "ui/panels/serving/servingcontroller.h"
#include "ui/panels/serving/servingpanellog.h"

#include <QEvent>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace millrace::ui {

namespace {

constexpr int kTestImageCount = 12;
constexpr int kThumbnail = 42;
constexpr int kRequestTimeoutMs = 15000;

// {"inputs": [[[row 0], [row 1], ...]]}: one sample nested as its 28 x 28 shape, MLflow's
// tensor form.
QByteArray requestBody(const std::vector<float> &pixels, int side)
{
    QByteArray body;
    body.reserve(int(pixels.size()) * 6 + 64);
    body += "{\"inputs\": [[";
    for (int y = 0; y < side; ++y) {
        body += y == 0 ? "[" : ", [";
        for (int x = 0; x < side; ++x) {
            if (x > 0)
                body += ", ";
            body += QByteArray::number(double(pixels[std::size_t(y * side + x)]), 'g', 4);
        }
        body += ']';
    }
    body += "]]}";
    return body;
}

// The first row of the answer's output: {"predictions": {"logits": [[...]]}} (or a record
// list, {"predictions": [{"logits": [...]}]}).
std::vector<double> firstRow(const QJsonObject &answer)
{
    QJsonArray row;
    const QJsonValue predictions = answer.value(QStringLiteral("predictions"));
    if (predictions.isObject()) {
        const QJsonObject outputs = predictions.toObject();
        if (!outputs.isEmpty())
            row = outputs.begin().value().toArray().at(0).toArray();
    } else if (predictions.isArray()) {
        const QJsonValue first = predictions.toArray().at(0);
        row = first.isObject() ? first.toObject().begin().value().toArray() : first.toArray();
    }
    std::vector<double> values;
    values.reserve(std::size_t(row.size()));
    for (const QJsonValue &value : std::as_const(row))
        values.push_back(value.toDouble());
    return values;
}

// A test image's thumbnail, framed in the highlight colour when picked (the list's own
// icon-mode highlight tints the picture and marks an empty text line under it).
class ThumbnailDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        const QIcon icon = index.data(Qt::DecorationRole).value<QIcon>();
        const QRect cell = option.rect;
        const QRect picture(cell.center().x() - kThumbnail / 2 + 1,
                            cell.center().y() - kThumbnail / 2 + 1, kThumbnail, kThumbnail);
        painter->save();
        if (option.state & QStyle::State_Selected) {
            painter->setRenderHint(QPainter::Antialiasing);
            painter->setPen(QPen(option.palette.color(QPalette::Highlight), 3));
            painter->setBrush(Qt::NoBrush);
            painter->drawRoundedRect(QRectF(picture).adjusted(-2.5, -2.5, 2.5, 2.5), 3, 3);
        }
        icon.paint(painter, picture);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &, const QModelIndex &) const override
    {
        return QSize(kThumbnail + 8, kThumbnail + 8);
    }
};

QLabel *caption(const QString &text)
{
    auto *label = new QLabel(text);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

} // namespace

TryItBox::TryItBox(ServingController &controller, QWidget *parent)
    : QGroupBox(tr("Try it"), parent), m_controller(controller),
      m_network(new QNetworkAccessManager(this))
{
    setObjectName(QStringLiteral("tryItBox"));
    // The server runs on this machine: never through a proxy the environment names.
    m_network->setProxy(QNetworkProxy::NoProxy);
    m_pool.setMaxThreadCount(1);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 10);
    layout->setSpacing(16);
    layout->addWidget(createPicker());
    layout->addWidget(createCanvasSide());
    layout->addWidget(createResultSide(), 1);
    refresh();
}

TryItBox::~TryItBox()
{
    detach();
}

QWidget *TryItBox::createPicker()
{
    m_picker = new QListWidget;
    m_picker->setObjectName(QStringLiteral("testImages"));
    m_picker->setViewMode(QListView::IconMode);
    m_picker->setIconSize(QSize(kThumbnail, kThumbnail));
    m_picker->setGridSize(QSize(kThumbnail + 8, kThumbnail + 8));
    m_picker->setMovement(QListView::Static);
    m_picker->setResizeMode(QListView::Adjust);
    m_picker->setUniformItemSizes(true);
    m_picker->setItemDelegate(new ThumbnailDelegate(m_picker));
    m_picker->setSelectionMode(QAbstractItemView::SingleSelection);
    m_picker->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_picker->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    // Three columns beside the scroll bar; twelve images are four rows.
    m_picker->setFixedWidth(3 * (kThumbnail + 8)
                            + m_picker->style()->pixelMetric(QStyle::PM_ScrollBarExtent)
                            + 2 * m_picker->style()->pixelMetric(QStyle::PM_DefaultFrameWidth) + 6);
    m_picker->setToolTip(tr("Fashion-MNIST test images: pick one to send it"));
    connect(m_picker, &QListWidget::currentRowChanged, this, &TryItBox::pick);
    // A click on the image already picked picks it again (after a drawing over it, say).
    m_picker->viewport()->installEventFilter(this);
    connect(m_picker, &QListWidget::itemClicked, this, [this](QListWidgetItem *item) {
        if (m_picker->row(item) == m_rowAtPress)
            pick(m_rowAtPress);
    });
    m_pickerNote = caption(QString());
    m_pickerNote->setObjectName(QStringLiteral("testImagesNote"));
    m_pickerNote->setWordWrap(true);
    m_pickerNote->setMaximumWidth(m_picker->width());

    auto *side = new QWidget;
    auto *layout = new QVBoxLayout(side);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(caption(tr("Test images")));
    layout->addWidget(m_picker, 1);
    layout->addWidget(m_pickerNote);
    return side;
}

QWidget *TryItBox::createCanvasSide()
{
    m_canvas = new DrawCanvas;
    m_canvas->setObjectName(QStringLiteral("drawCanvas"));
    m_canvas->setFixedSize(DrawCanvas::side() * 7, DrawCanvas::side() * 7);
    connect(m_canvas, &DrawCanvas::edited, this, [this] {
        m_trueClass = -1; // drawn over: no longer the test image
        m_picker->clearSelection();
        if (m_canvas->isEmpty()) {
            m_bars->setClasses(classNamesOf(m_controller.primaryVersion()));
            m_prediction->setText(tr("Draw or pick an image"));
            m_answeredBy->clear();
            return;
        }
        send();
    });
    m_clear = new QPushButton(tr("Clear"));
    m_clear->setObjectName(QStringLiteral("clearCanvas"));
    connect(m_clear, &QPushButton::clicked, m_canvas, &DrawCanvas::clear);
    m_send = new QPushButton(tr("Send"));
    m_send->setObjectName(QStringLiteral("sendImage"));
    m_send->setToolTip(tr("POST the picture to /invocations"));
    connect(m_send, &QPushButton::clicked, this, &TryItBox::send);

    auto *buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(m_clear);
    buttons->addStretch(1);
    buttons->addWidget(m_send);

    auto *side = new QWidget;
    auto *layout = new QVBoxLayout(side);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(caption(tr("Draw (28 × 28)")));
    layout->addWidget(m_canvas);
    layout->addLayout(buttons);
    layout->addStretch(1);
    side->setFixedWidth(m_canvas->width());
    return side;
}

QWidget *TryItBox::createResultSide()
{
    m_prediction = new QLabel(tr("Draw or pick an image"));
    m_prediction->setObjectName(QStringLiteral("predictedClass"));
    QFont big = m_prediction->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    m_prediction->setFont(big);
    m_prediction->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_prediction->setWordWrap(true);

    m_answeredBy = caption(QString());
    m_answeredBy->setObjectName(QStringLiteral("answeredBy"));
    m_answeredBy->setWordWrap(true);

    m_bars = new ProbabilityBars;
    m_bars->setObjectName(QStringLiteral("probabilityBars"));

    m_problem = new QLabel;
    m_problem->setObjectName(QStringLiteral("tryItProblem"));
    m_problem->setWordWrap(true);
    m_problem->setPalette(errorPalette(palette()));
    m_problem->hide();

    auto *side = new QWidget;
    auto *layout = new QVBoxLayout(side);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(m_prediction);
    layout->addWidget(m_answeredBy);
    layout->addSpacing(4);
    layout->addWidget(m_bars);
    layout->addWidget(m_problem);
    layout->addStretch(1);
    return side;
}

void TryItBox::pick(int row)
{
    if (row < 0 || row >= m_images.size())
        return;
    const TestImage &image = m_images.at(row);
    {
        const QSignalBlocker quiet(m_canvas);
        m_canvas->setPixels(image.pixels);
    }
    m_trueClass = image.label;
    send();
}

bool TryItBox::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_picker->viewport() && event->type() == QEvent::MouseButtonPress)
        m_rowAtPress = m_picker->currentRow();
    return QGroupBox::eventFilter(watched, event);
}

void TryItBox::loadTestImages(const QString &workspaceRoot)
{
    const quint64 serial = ++m_imagesSerial;
    m_images.clear();
    m_picker->clear();
    m_pickerNote->setText(tr("Reading…"));
    m_pickerNote->show();
    auto *watcher = new QFutureWatcher<Result<QList<TestImage>>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, serial] {
        watcher->deleteLater();
        if (serial == m_imagesSerial && watcher->future().resultCount() > 0)
            onImagesLoaded(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run(&m_pool, [workspaceRoot] {
        return ui::loadTestImages(testImageDirectory(workspaceRoot), kTestImageCount);
    }));
}

void TryItBox::onImagesLoaded(const Result<QList<TestImage>> &images)
{
    if (!images) {
        qCInfo(lcServingPanel).noquote() << "no test images:" << images.errorMessage();
        m_pickerNote->setText(tr("No test images: %1").arg(images.errorMessage()));
        m_pickerNote->setToolTip(images.errorMessage());
        return;
    }
    m_images = *images;
    m_pickerNote->clear();
    m_pickerNote->hide();
    for (const TestImage &image : std::as_const(m_images)) {
        auto *item = new QListWidgetItem(
            QIcon(QPixmap::fromImage(image.image.scaled(kThumbnail, kThumbnail))), QString(),
            m_picker);
        item->setToolTip(tr("%1 (test image %2)").arg(image.className).arg(image.index));
        item->setData(Qt::AccessibleTextRole, image.className);
    }
}

void TryItBox::detach()
{
    ++m_serial;
    ++m_imagesSerial;
    for (const QPointer<QNetworkReply> &reply : std::as_const(m_inFlight)) {
        if (reply)
            reply->abort();
    }
    m_inFlight.clear();
    m_pool.waitForDone();
    m_images.clear();
    m_picker->clear();
}

QStringList TryItBox::classNamesOf(qint64 version) const
{
    if (const auto info = m_controller.versionInfo(version))
        return info->classNames;
    return {};
}

QString TryItBox::unsuitable() const
{
    const auto info = m_controller.versionInfo(m_controller.primaryVersion());
    if (!info)
        return QString();
    qint64 size = 1;
    for (qint64 dimension : info->sampleShape)
        size *= dimension;
    if (!info->tensorInput || size != qint64(DrawCanvas::side() * DrawCanvas::side()))
        return tr("Try it sends 28 × 28 images; version %1 of %2 takes another input.")
            .arg(m_controller.primaryVersion())
            .arg(info->model);
    return QString();
}

void TryItBox::refresh()
{
    const ServingController::State state = m_controller.state();
    if (state == ServingController::State::Starting) {
        // A new serving run: the previous answers are of another server.
        ++m_serial;
        m_answeredVersion = 0;
        m_predicted = -1;
        m_answeredBy->clear();
    }
    const bool serving = state == ServingController::State::Serving;
    const QString problem = serving ? unsuitable() : QString();
    m_send->setEnabled(serving && problem.isEmpty());
    if (!problem.isEmpty())
        showProblem(problem);
    else
        m_problem->hide();
    if (m_answeredVersion == 0) {
        m_bars->setClasses(classNamesOf(m_controller.primaryVersion()));
        m_prediction->setText(serving ? tr("Draw or pick an image")
                                      : tr("Start serving to try the model"));
    }
}

void TryItBox::send()
{
    if (m_controller.state() != ServingController::State::Serving) {
        showProblem(tr("Start serving to try the model."));
        return;
    }
    if (const QString problem = unsuitable(); !problem.isEmpty()) {
        showProblem(problem);
        return;
    }
    if (m_canvas->isEmpty())
        return;
    QUrl url = m_controller.localUrl();
    url.setPath(QStringLiteral("/invocations"));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(kRequestTimeoutMs);
    if (const QByteArray authorization = m_controller.authorization(); !authorization.isEmpty())
        request.setRawHeader(QByteArrayLiteral("Authorization"), authorization);
    const quint64 serial = ++m_serial;
    m_clock.start();
    QNetworkReply *reply =
        m_network->post(request, requestBody(m_canvas->pixels(), DrawCanvas::side()));
    m_inFlight.append(reply);
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, serial] { onReply(reply, serial); });
}

void TryItBox::onReply(QNetworkReply *reply, quint64 serial)
{
    reply->deleteLater();
    m_inFlight.removeAll(QPointer<QNetworkReply>(reply));
    if (serial != m_serial)
        return; // a newer picture was sent since, or the box let go
    const qint64 elapsedMs = m_clock.elapsed();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    const QJsonObject answer = QJsonDocument::fromJson(body).object();
    if (reply->error() != QNetworkReply::NoError || status != 200) {
        QString message = answer.value(QStringLiteral("message")).toString();
        if (message.isEmpty())
            message = reply->errorString();
        const QString line = status > 0 ? tr("HTTP %1: %2").arg(status).arg(message) : message;
        showProblem(line);
        Q_EMIT requestFailed(line);
        return;
    }
    const std::vector<double> logits = firstRow(answer);
    qint64 version = reply->rawHeader(QByteArrayLiteral("X-Millrace-Model-Version")).toLongLong();
    if (version <= 0)
        version = answer.value(QStringLiteral("model_version")).toString().toLongLong();
    if (logits.empty()) {
        showProblem(tr("The answer holds no output."));
        return;
    }
    const std::vector<double> probabilities = softmax(logits);
    const int best =
        int(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin());
    const QStringList names = classNamesOf(version);
    m_bars->setProbabilities(names, probabilities, m_trueClass);
    m_answeredVersion = version;
    m_predicted = best;
    m_prediction->setText(m_bars->className(best));
    QString by = tr("version %1 · %2 ms").arg(version).arg(elapsedMs);
    if (m_trueClass >= 0)
        by += QStringLiteral(" · ")
              + (m_trueClass == best ? tr("correct")
                                     : tr("true class: %1").arg(m_bars->className(m_trueClass)));
    m_answeredBy->setText(by);
    m_problem->hide();
    Q_EMIT answered(version, best);
}

void TryItBox::showProblem(const QString &message)
{
    m_problem->setText(message);
    m_problem->show();
}

} // namespace millrace::ui
