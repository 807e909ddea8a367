import { Link, Navigate, NavLink, Route, Routes } from 'react-router';
import { NewOrderPage } from './pages/NewOrderPage';
import { OrderPage } from './pages/OrderPage';
import { OrdersPage } from './pages/OrdersPage';

export function App() {
  return (
    <>
      <header className="topbar">
        <Link to="/orders" className="brand">
          Supergraph Shop
        </Link>
        <nav>
          <NavLink to="/orders" end>
            Orders
          </NavLink>
          <NavLink to="/orders/new">New order</NavLink>
        </nav>
      </header>
      <main className="content">
        <Routes>
          <Route path="/" element={<Navigate to="/orders" replace />} />
          <Route path="/orders" element={<OrdersPage />} />
          <Route path="/orders/new" element={<NewOrderPage />} />
          <Route path="/orders/:orderId" element={<OrderPage />} />
          <Route path="*" element={<p className="empty">There is no page here.</p>} />
        </Routes>
      </main>
    </>
  );
}
