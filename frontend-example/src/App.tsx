import { Link, Navigate, NavLink, Route, Routes } from 'react-router';
import { LoginPage } from './pages/LoginPage';
import { NewOrderPage } from './pages/NewOrderPage';
import { OrderPage } from './pages/OrderPage';
import { OrdersPage } from './pages/OrdersPage';
import { useSession } from './session';

export function App() {
  const { session, logOut } = useSession();
  return (
    <>
      <header className="topbar">
        <Link to="/orders" className="brand">
          Supergraph Shop
        </Link>
        {session && (
          <>
            <nav>
              <NavLink to="/orders" end>
                Orders
              </NavLink>
              <NavLink to="/orders/new">New order</NavLink>
            </nav>
            <div className="account">
              <span>{session.user.fullName || session.user.username}</span>
              <button type="button" className="link-button" onClick={() => logOut()}>
                Log out
              </button>
            </div>
          </>
        )}
      </header>
      <main className="content">
        {session ? (
          <Routes>
            <Route path="/" element={<Navigate to="/orders" replace />} />
            <Route path="/orders" element={<OrdersPage />} />
            <Route path="/orders/new" element={<NewOrderPage />} />
            <Route path="/orders/:orderId" element={<OrderPage />} />
            <Route path="*" element={<p className="empty">There is no page here.</p>} />
          </Routes>
        ) : (
          <LoginPage />
        )}
      </main>
    </>
  );
}
