#include "ui/panels/serving/servingstatus.h"

#include "ui/panels/errorpalette.h"
#include "ui/panels/serving/servingcontroller.h"

#include <QApplication>
#include <QClipboard>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QTime>
#include <QToolButton>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

using State = ServingController::State;

QColor stateColour(State state)
{
    switch (state) {
    case State::Serving:
        return QColor(0x2e9e4f);
    case State::Starting:
    case State::Waiting:
    case State::Stopping:
        return QColor(0xe0a000);
    case State::Failed:
        return QColor(0xd64545);
    case State::Stopped:
        break;
    }
    return QColor(0x9a9a9a);
}

QPixmap dot(const QColor &colour, int size, qreal ratio)
{
    QPixmap pixmap(QSize(size, size) * ratio);
    pixmap.setDevicePixelRatio(ratio);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2));
    return pixmap;
}

QString percent(double share)
{
    return QStringLiteral("%1%").arg(share * 100, 0, 'f', 0);
}

// "v3", or "v3 (70%) + v4 (30%)" during a split.
QString versionsText(const ServingController &controller)
{
    const qint64 primary = controller.primaryVersion();
    if (primary <= 0)
        return QString();
    if (controller.candidateVersion() <= 0)
        return QStringLiteral("v%1").arg(primary);
    return QStringLiteral("v%1 (%2) + v%3 (%4)")
        .arg(primary)
        .arg(percent(1 - controller.candidateWeight()))
        .arg(controller.candidateVersion())
        .arg(percent(controller.candidateWeight()));
}

} // namespace

ServingStatus::ServingStatus(const ServingController &controller, QWidget *parent)
    : QFrame(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("servingStatusBox"));
    setFrameShape(QFrame::StyledPanel);

    m_dot = new QLabel;
    m_dot->setObjectName(QStringLiteral("servingStateDot"));
    m_state = new QLabel;
    m_state->setObjectName(QStringLiteral("servingState"));
    QFont bold = m_state->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    m_state->setFont(bold);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_served = new QLabel;
    m_served->setObjectName(QStringLiteral("servedVersions"));
    m_served->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_served->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("servingUrl"));
    m_url->setReadOnly(true);
    m_url->setPlaceholderText(tr("not listening"));
    m_url->setToolTip(tr("POST MLflow scoring requests here (JSON or CSV)"));
    m_copy = new QToolButton;
    m_copy->setObjectName(QStringLiteral("copyUrl"));
    m_copy->setText(tr("Copy"));
    m_copy->setIcon(QIcon::fromTheme(QStringLiteral("edit-copy")));
    m_copy->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_copy->setToolTip(tr("Copy the URL"));
    connect(m_copy, &QToolButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_url->text());
        m_url->selectAll();
    });
    m_endpoints = new QLabel;
    m_endpoints->setObjectName(QStringLiteral("servingEndpoints"));
    m_endpoints->setForegroundRole(QPalette::PlaceholderText);
    m_endpoints->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_exposure = new QLabel;
    m_exposure->setObjectName(QStringLiteral("exposureWarning"));
    m_exposure->setWordWrap(true);
    m_exposure->hide();
    m_failure = new QLabel;
    m_failure->setObjectName(QStringLiteral("deploymentFailure"));
    m_failure->setWordWrap(true);
    m_failure->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_failure->hide();

    auto *top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->setSpacing(8);
    top->addWidget(m_dot);
    top->addWidget(m_state);
    top->addSpacing(8);
    top->addWidget(m_served, 1);

    auto *urlRow = new QHBoxLayout;
    urlRow->setContentsMargins(0, 0, 0, 0);
    urlRow->setSpacing(6);
    urlRow->addWidget(m_url, 1);
    urlRow->addWidget(m_copy);
    urlRow->addSpacing(6);
    urlRow->addWidget(m_endpoints);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 8);
    layout->setSpacing(6);
    layout->addLayout(top);
    layout->addLayout(urlRow);
    layout->addWidget(m_exposure);
    layout->addWidget(m_failure);
    updateColours();
    refresh();
}

void ServingStatus::refresh()
{
    const State state = m_controller.state();
    const int size = fontMetrics().height() - 2;
    m_dot->setPixmap(dot(stateColour(state), size, devicePixelRatioF()));
    const serving::ServingConfig &config = m_controller.config();
    const QString target = config.primary.model.isEmpty() ? QString() : config.primary.describe();
    switch (state) {
    case State::Stopped:
        m_state->setText(tr("Stopped"));
        m_served->setText(tr("Choose a model and start serving it over HTTP."));
        break;
    case State::Starting:
        m_state->setText(tr("Starting…"));
        m_served->setText(target);
        break;
    case State::Waiting:
        m_state->setText(tr("Listening"));
        m_served->setText(tr("%1 · no version in service yet").arg(target));
        break;
    case State::Serving:
        m_state->setText(tr("Serving"));
        m_served->setText(tr("%1 of %2").arg(versionsText(m_controller), target));
        break;
    case State::Stopping:
        m_state->setText(tr("Stopping…"));
        m_served->clear();
        break;
    case State::Failed:
        m_state->setText(tr("Failed"));
        m_served->setText(m_controller.failure());
        break;
    }
    m_served->setToolTip(m_served->text());
    m_served->setForegroundRole(state == State::Failed ? QPalette::Text
                                                       : QPalette::PlaceholderText);

    const QString base = m_controller.boundUrl();
    const QString url = base.isEmpty() ? QString() : base + QStringLiteral("/invocations");
    if (m_url->text() != url)
        m_url->setText(url);
    m_copy->setEnabled(!url.isEmpty());
    m_endpoints->setText(base.isEmpty() ? QString()
                                        : tr("also /ping, /health, /version, /metrics"));

    const bool listening = !base.isEmpty();
    const bool open = listening && !config.server.address.isLoopback();
    m_exposure->setVisible(open);
    if (open)
        m_exposure->setText(m_controller.usesToken()
                                ? tr("Reachable from other machines; requests need the token.")
                                : tr("Reachable from other machines WITHOUT a token: anyone who "
                                     "reaches this machine can use the model."));
    if (state == State::Starting)
        m_failure->hide();
}

void ServingStatus::setDeploymentFailure(const QString &message)
{
    m_failure->setText(
        tr("Last deployment failure (%1): %2")
            .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), message));
    m_failure->show();
}

QString ServingStatus::summary() const
{
    switch (m_controller.state()) {
    case State::Stopped:
        return tr("Serving: stopped");
    case State::Starting:
        return tr("Serving: starting");
    case State::Waiting:
        return tr("Serving: no version yet on %1").arg(m_controller.boundUrl());
    case State::Serving:
        return tr("Serving: %1 on %2").arg(versionsText(m_controller), m_controller.boundUrl());
    case State::Stopping:
        return tr("Serving: stopping");
    case State::Failed:
        return tr("Serving: failed");
    }
    return QString();
}

void ServingStatus::changeEvent(QEvent *event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateColours();
}

void ServingStatus::updateColours()
{
    for (QLabel *label : {m_exposure, m_failure}) {
        label->setPalette(errorPalette(palette()));
        label->setAutoFillBackground(true);
        label->setMargin(4);
    }
}

} // namespace millrace::ui
