#include "ui/panels/serving/tokendialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace millrace::ui {

TokenDialog::TokenDialog(QWidget *parent)
    : QDialog(parent), m_edit(new QLineEdit),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel))
{
    setObjectName(QStringLiteral("tokenDialog"));
    setWindowTitle(tr("Serving Token"));
    auto *explanation = new QLabel(
        tr("While a token is set, every request but /ping and /health must carry "
           "<code>Authorization: Bearer &lt;token&gt;</code>. It is kept in the system keychain "
           "only, and applies from the next start. Use at least %1 characters, e.g. the output "
           "of <code>openssl rand -hex 32</code>.")
            .arg(kMinimumLength));
    explanation->setWordWrap(true);
    explanation->setTextFormat(Qt::RichText);
    m_edit->setObjectName(QStringLiteral("tokenEdit"));
    m_edit->setEchoMode(QLineEdit::Password);
    m_edit->setPlaceholderText(tr("Token"));
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(false);
    connect(m_edit, &QLineEdit::textChanged, this, [this] {
        m_buttons->button(QDialogButtonBox::Save)->setEnabled(token().size() >= kMinimumLength);
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(10);
    layout->addWidget(explanation);
    layout->addWidget(m_edit);
    layout->addWidget(m_buttons);
    resize(440, sizeHint().height());
}

QString TokenDialog::token() const
{
    return m_edit->text().trimmed();
}

} // namespace millrace::ui
