// A React 19 component mounted over a stored session (run.mjs seeds localStorage first): the
// restored `oauth-login` event must reach its `onoauth-login` prop, and React must not warn about
// a state update on a component that is still mounting. Loaded by index.html as its own module.
// Restoring needs no provider: the authorize URL is only checked, never reached.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { define } from 'oauth-prefab';

define();

function Session() {
  const [who, setWho] = useState('nobody yet');
  return (
    <div>
      <oauth-login
        id="react-login"
        client-id="vite-app"
        authorize-url="https://id.example/authorize"
        storage="local"
        onoauth-login={(event) => setWho(event.detail.restored ? `restored ${event.detail.scope.join(' ')}` : 'logged in')}
      />
      <output id="react-state">{who}</output>
    </div>
  );
}

createRoot(document.getElementById('react-root')!).render(<Session />);
