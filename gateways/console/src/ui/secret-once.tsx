import { useEffect, useRef, useState } from 'preact/hooks'

/**
 * A secret the API shows once (a new or rotated key): focused when it appears, with a copy button
 * and the warning that it cannot be shown again. Dismissed, it is gone from the page.
 */
export function SecretOnce({ title, secret, onDone }: { title: string; secret: string; onDone(): void }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no')
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    )
  return (
    <section class="warning" aria-labelledby="secret-title">
      <h2 id="secret-title" ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <p>
        <strong>Copy it now: this is the only time it is shown.</strong> Store it in a secret manager; lost,
        it can only be rotated.
      </p>
      <p class="secret" id="new-secret" data-testid="new-secret">
        {secret}
      </p>
      <div class="toolbar">
        <button type="button" class="primary" onClick={copy}>
          Copy key
        </button>
        <button type="button" onClick={onDone}>
          I have stored the key
        </button>
        <span role="status">
          {copied === 'yes'
            ? 'Copied to the clipboard.'
            : copied === 'failed'
              ? 'Copying failed: select the key and copy it.'
              : ''}
        </span>
      </div>
    </section>
  )
}
