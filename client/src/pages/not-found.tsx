import { Link } from 'react-router-dom';
import { Empty } from '../components/states.tsx';

export function NotFoundPage() {
  return (
    <Empty>
      There is nothing at this address. <Link to="/workflows">Go to workflows</Link>
    </Empty>
  );
}

export function AdminOnly() {
  return <Empty>This page is for admins. Your key's role cannot manage integrations or keys.</Empty>;
}
