// Compiled by `tsc --noEmit` only, like types-check.ts (never bundled: the app has no React
// runtime, only @types/react). A React 19 component that uses <oauth-login> with no declaration of
// the tag of its own: the package's index.d.ts adds it to React's JSX.IntrinsicElements. Each
// expected error below must be one, so props that silently became `any` fail the check too.
import { useEffect, useRef } from 'react';
import { define } from 'oauth-prefab';
import type { OAuthErrorDetail, OAuthLoginDetail, OAuthLoginElement } from 'oauth-prefab';

define();

export function LoginButton({ onLogin, onError }: { onLogin: (detail: OAuthLoginDetail) => void; onError?: (detail: OAuthErrorDetail) => void }) {
  const ref = useRef<OAuthLoginElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  // Listeners on a ref, as a server-rendered app needs them (React attaches on* props only when it renders).
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const handleError = (event: CustomEvent<OAuthErrorDetail>) => onError?.(event.detail);
    element.addEventListener('oauth-error', handleError);
    return () => element.removeEventListener('oauth-error', handleError);
  }, [onError]);

  return (
    <>
      <oauth-login
        ref={ref}
        id="login"
        className="login"
        style={{ display: 'inline-block' }}
        client-id="demo"
        provider="google"
        timeout={30}
        response-type="code"
        token-url="/token"
        onoauth-login={(event) => {
          const token: string = event.detail.accessToken;
          // @ts-expect-error the handler's event is typed: accessToken is a string
          const wrong: number = event.detail.accessToken;
          void [token, wrong];
          onLogin(event.detail);
        }}
      />
      <oauth-login client-id="demo" authorize-url="https://id.example.com/authorize" scope="openid email" mode="redirect" storage="session" timeout="60" label="Sign in" />

      {/* @ts-expect-error mode is 'popup' | 'redirect' */}
      <oauth-login client-id="demo" mode="tab" />
      {/* @ts-expect-error timeout is a number or a string */}
      <oauth-login client-id="demo" timeout={{}} />
      {/* @ts-expect-error provider is one of the presets */}
      <oauth-login client-id="demo" provider="github" />
      {/* @ts-expect-error response-type is 'token' | 'code' */}
      <oauth-login client-id="demo" response-type="implicit" />
      {/* @ts-expect-error oauth-error's detail is an OAuthErrorDetail, not an OAuthLoginDetail */}
      <oauth-login client-id="demo" onoauth-error={(event: CustomEvent<OAuthLoginDetail>) => onLogin(event.detail)} />
      {/* @ts-expect-error the ref is an OAuthLoginElement's */}
      <oauth-login client-id="demo" ref={inputRef} />
    </>
  );
}
